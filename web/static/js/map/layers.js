/* The collections as map layers: one Leaflet GeoJSON group per collection, loaded as
 * bbox-limited pages (reloaded on moveend, from the collection's min_zoom on), the layer
 * list with its checkboxes, and the sources/attribution/synthetic-data badge. */

import { getJSON } from "./api.js";
import { PAGE_LIMIT, POINT } from "./config.js";
import { esc } from "./escape.js";
import { paintSwatches, renderLegend, swatchHTML } from "./legend.js";
import { featuresAt } from "./hits.js";
import { openPopupAt } from "./popups.js";
import { state } from "./state.js";
import { classColor, featureStyle, paneFor } from "./styles.js";
import { toolActive } from "./tools.js";
import { map } from "./view.js";

function makeEntry(meta) {
  const id = meta.id;
  const pane = paneFor(id);
  const group = L.geoJSON(null, {
    pane: pane,
    style: featureStyle(id),
    pointToLayer: function (feature, latlng) {
      const c = classColor(id, feature.properties);
      return L.circleMarker(latlng, L.extend({ pane: pane, color: "#fff", fillColor: c }, POINT));
    },
    onEachFeature: function (feature, layer) {
      layer.on("click", function (e) {
        if (toolActive()) return; // the click goes on to the map, and so to the tool
        L.DomEvent.stopPropagation(e); // the map's own click handler would identify it again
        identify(e.latlng, { id: id, feature: feature });
      });
    },
  });
  return {
    meta: meta, group: group, visible: Boolean(meta.default_visible),
    minZoom: meta.min_zoom || 0, loaded: null, abort: null, release: meta.release,
    count: 0, truncated: false,
  };
}

// The popup of every feature of the visible layers under a click, the most specific first;
// `clicked` ({ id, feature }: the one Leaflet found) is listed even if the hit test missed it.
function identify(latlng, clicked) {
  const hits = featuresAt(latlng);
  if (clicked && !hits.some(function (h) { return h.feature === clicked.feature; })) hits.unshift(clicked);
  openPopupAt(hits, latlng);
}

function layerSource(id, bounds) {
  // The single place that says where a layer's features come from.
  const b = bounds;
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
  return "/collections/" + encodeURIComponent(id) + "/items?bbox=" + bbox + "&limit=" + PAGE_LIMIT +
    "&datetime=" + encodeURIComponent(state.asOf);
}

function clampBounds(b) {
  return L.latLngBounds(
    [Math.max(b.getSouth(), -85), Math.max(b.getWest(), -180)],
    [Math.min(b.getNorth(), 85), Math.min(b.getEast(), 180)]);
}

function setStatus(id, text) {
  const el = document.querySelector('[data-status="' + id + '"]');
  if (el) el.textContent = text;
}

function loadLayer(id) {
  const e = state.entries[id];
  if (!e) return Promise.resolve();
  if (!e.visible) {
    if (map.hasLayer(e.group)) map.removeLayer(e.group);
    setStatus(id, "");
    return Promise.resolve();
  }
  if (!map.hasLayer(e.group)) e.group.addTo(map);
  if (map.getZoom() < e.minZoom) {
    e.group.clearLayers(); e.loaded = null;
    setStatus(id, "放大至 " + e.minZoom + " 级显示");
    return Promise.resolve();
  }
  const view = map.getBounds();
  if (e.loaded && e.loaded.asOf === state.asOf && e.loaded.bounds.contains(view) && !e.truncated) {
    return Promise.resolve();
  }
  if (e.pending && e.pending.asOf === state.asOf && e.pending.bounds.contains(view)) return e.pending.promise;
  if (e.abort) e.abort.abort();
  const ctrl = new AbortController();
  e.abort = ctrl;
  const bounds = clampBounds(view.pad(0.3));
  setStatus(id, "加载中…");
  const pending = { asOf: state.asOf, bounds: bounds };
  e.pending = pending;
  pending.promise = getJSON(layerSource(id, bounds), { signal: ctrl.signal }).then(function (fc) {
    if (ctrl.signal.aborted) return;
    e.group.clearLayers();
    e.group.addData(fc);
    e.release = fc.release || null;
    e.count = fc.features.length;
    e.truncated = fc.features.length >= PAGE_LIMIT;
    e.loaded = { asOf: state.asOf, bounds: bounds };
    setStatus(id, e.release ? (e.count + (e.truncated ? "+ 个（请放大）" : " 个")) : "该日期无版本");
  }).catch(function (err) {
    if (err.name === "AbortError") return;
    setStatus(id, "加载失败");
    console.warn("layer " + id + ": " + err.message);
  }).finally(function () {
    if (e.abort === ctrl) e.abort = null;
    if (e.pending === pending) e.pending = null;
  });
  return pending.promise;
}

export function loadVisible() {
  const jobs = Object.keys(state.entries).map(loadLayer);
  renderLegend();
  return Promise.all(jobs).then(renderLegend);
}

function renderLayerList() {
  const list = document.getElementById("layer-list");
  const groups = JSON.parse(list.dataset.groups || "[]");
  let html = "";
  groups.forEach(function (g) {
    const members = Object.keys(state.entries).filter(function (id) { return state.entries[id].meta.group === g; });
    if (!members.length) return;
    html += '<div class="layer-group"><h3>' + esc(g) + "</h3>";
    members.forEach(function (id) {
      const e = state.entries[id];
      const rel = e.meta.release;
      html += '<div class="layer-row"><label><input type="checkbox" data-layer="' + esc(id) + '"' +
        (e.visible ? " checked" : "") + ">" + swatchHTML(id, classColor(id, null)) + esc(e.meta.title) +
        "</label>" + '<span class="status" data-status="' + esc(id) + '">' + (rel ? "" : "无数据") + "</span></div>";
    });
    html += "</div>";
  });
  html += '<p class="muted">离线底图：浅色背景 + 本系统的行政区划和水体图层。点击要素查看属性与数据版本。</p>';
  list.innerHTML = html;
  paintSwatches(list);
  list.querySelectorAll("input[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      const id = box.dataset.layer;
      state.entries[id].visible = box.checked;
      loadLayer(id).then(renderLegend);
      renderLegend();
    });
  });
}

/* ---------- sources, attribution and the synthetic-data label ---------- */

let attributions = [];
// A source's or licence's short form: its words before the first comma or parenthesis.
function shortForm(text) {
  return (text || "").split(/[,，(（]/)[0].trim();
}

function showSources(collections) {
  attributions.forEach(function (a) { map.attributionControl.removeAttribution(a); });
  const sources = {};
  const synthetic = [];
  collections.forEach(function (c) {
    if (!c.release) return;
    if (c.release.synthetic) synthetic.push(c.title);
    // one attribution per "；"-separated source (e.g. a derived line's own source), with
    // the short form of the licence part in the same place (or the last part)
    const licences = (c.release.licence || "").split(/[;；]/);
    (c.release.source || "").split(/[;；]/).forEach(function (part, i) {
      const src = shortForm(part);
      if (!src) return;
      const licence = shortForm(licences[Math.min(i, licences.length - 1)]);
      sources[src + (licence ? "（" + licence + "）" : "")] = true;
    });
  });
  attributions = Object.keys(sources).map(function (s) { return "数据：" + esc(s); });
  attributions.forEach(function (a) { map.attributionControl.addAttribution(a); });
  const container = map.attributionControl.getContainer();
  if (container) container.title = container.textContent; // the full text on narrow screens
  const badge = document.getElementById("synthetic-badge");
  badge.hidden = synthetic.length === 0;
  badge.title = "以下图层为演示用合成数据，不代表真实管控边界：" + synthetic.join("、");
}

// The collections' metadata as of the chosen date: entries are made on the first call and
// refreshed (release, style) on later ones.
export function loadCollections() {
  return getJSON("/collections?datetime=" + encodeURIComponent(state.asOf)).then(function (body) {
    const collections = body.collections || [];
    showSources(collections);
    collections.forEach(function (meta) {
      state.collections[meta.id] = meta;
      if (state.entries[meta.id]) {
        state.entries[meta.id].meta = meta;
        state.entries[meta.id].loaded = null;
      } else {
        state.entries[meta.id] = makeEntry(meta);
      }
    });
    renderLayerList();
    return collections;
  });
}

function extentBounds(c) {
  if (!c.release || !c.extent || !c.extent.spatial) return null;
  const box = c.extent.spatial.bbox[0];
  if (!box || box[0] <= -180) return null;
  return L.latLngBounds([box[1], box[0]], [box[3], box[2]]);
}

// The extent of the collections that have data (the first view).
export function dataBounds(collections) {
  let b = null;
  collections.forEach(function (c) {
    const lb = extentBounds(c);
    if (lb) b = b ? b.extend(lb) : lb;
  });
  return b;
}

// Turn a collection's layer on (its checkbox too): its extent, null when it has no data in
// force; undefined when there is no such collection.
export function showCollection(id) {
  const e = state.entries[id];
  if (!e) return undefined;
  e.visible = true;
  const box = document.querySelector('input[data-layer="' + CSS.escape(id) + '"]');
  if (box) box.checked = true;
  return extentBounds(e.meta);
}

// A line at the top of the layer list (e.g. what a link asked for and could not be shown).
export function layerNote(text) {
  const p = document.createElement("p");
  p.className = "error link-note";
  p.textContent = text;
  const list = document.getElementById("layer-list");
  list.insertBefore(p, list.firstChild);
}

export function initLayers() {
  // A click where Leaflet finds no feature of its own pane's canvas (a feature drawn on a
  // lower pane, under another pane's canvas) is identified from the map's click.
  map.on("click", function (e) { if (!toolActive()) identify(e.latlng); });
  let moveTimer = null;
  map.on("moveend", function () {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(loadVisible, 150);
  });
}
