/* Raster layers (DEM, land cover) as server-rendered PNG tiles of the release in force on
 * the page's "as of" date: a checkbox each, under the vector layers, with the release's
 * source and licence as attribution and a note when the raster is coarse or synthetic. */

import { getJSON } from "./api.js";
import { esc } from "./escape.js";
import { state } from "./state.js";
import { map } from "./view.js";

const entries = {};  // layer id -> { meta, release, tiles: L.TileLayer, visible }

function tileURL(id) {
  return "/rasters/" + encodeURIComponent(id) + "/tiles/WebMercatorQuad/{z}/{x}/{y}.png?datetime=" +
    encodeURIComponent(state.asOf);
}

function inForce(releases) {
  // the release in force on state.asOf: valid_from <= asOf < valid_to, latest start first
  const on = releases.filter(function (r) {
    return r.valid_from <= state.asOf && (!r.valid_to || state.asOf < r.valid_to);
  });
  on.sort(function (a, b) { return a.valid_from < b.valid_from ? 1 : -1; });
  return on[0] || null;
}

function attribution(meta, r) {
  let text = meta.title + "：" + (r.source || "来源未注明") + "（" + (r.licence || "许可未注明") + "）";
  if (r.synthetic) text += " · 合成数据";
  if (r.resolution_m > 1000) text += " · 分辨率约 " + Math.round(r.resolution_m) + " 米，仅供概览";
  return text;
}

function render() {
  const list = document.getElementById("raster-list");
  if (!list) return;
  const ids = Object.keys(entries);
  if (!ids.length) { list.innerHTML = ""; return; }
  let html = '<div class="layer-group"><h3>栅格图层</h3>';
  ids.forEach(function (id) {
    const e = entries[id];
    const r = e.release;
    html += '<div class="layer-row"><label><input type="checkbox" data-raster="' + esc(id) + '"' +
      (e.visible ? " checked" : "") + (r ? "" : " disabled") + ">" + esc(e.meta.title) + "</label>" +
      '<span class="status">' + (r ? esc(r.name + (r.resolution_m > 1000 ? " · 粗分辨率" : "")) : "无数据") + "</span></div>";
    if (r) html += '<p class="muted raster-source">' + esc(attribution(e.meta, r)) + "</p>";
  });
  list.innerHTML = html + "</div>";
  list.querySelectorAll("input[data-raster]").forEach(function (box) {
    box.addEventListener("change", function () { toggle(box.dataset.raster, box.checked); });
  });
}

function toggle(id, on) {
  const e = entries[id];
  e.visible = on;
  if (e.tiles) { map.removeLayer(e.tiles); e.tiles = null; }
  if (on && e.release) {
    e.tiles = L.tileLayer(tileURL(id), {
      pane: "base", opacity: 0.7, maxNativeZoom: 16, maxZoom: 19, attribution: attribution(e.meta, e.release),
    }).addTo(map);
  }
}

export function loadRasters() {
  return getJSON("/rasters").then(function (body) {
    body.layers.forEach(function (meta) {
      const e = entries[meta.id] || (entries[meta.id] = { meta: meta, visible: false, tiles: null });
      e.meta = meta;
      e.release = inForce(meta.releases);
      if (!e.release) e.visible = false;
      toggle(meta.id, e.visible);
    });
    state.rasters = entries;
    render();
  }).catch(function () { /* rasters are optional: the vector map works without them */ });
}
