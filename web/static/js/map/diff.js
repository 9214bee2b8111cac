/* Release diffs on the map (the layer tab's 版本对比): pick a collection and two of its
 * releases, GET /collections/{id}/releases/{a}/diff/{b}, draw the changed features as one
 * layer (added green, removed red, changed orange) and summarise counts, area gained/lost
 * per division and, where the answer has it, the red-line 只增不减 check. */

import { getJSON } from "./api.js";
import { esc } from "./escape.js";
import { state } from "./state.js";
import { map } from "./view.js";

// change -> [colour, label]
const CHANGES = {
  added: ["#2e7d32", "新增"],
  removed: ["#c62828", "删除"],
  changed: ["#ef6c00", "变更"],
};

let layer = null;

function hectares(m2) {
  return (m2 / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 2 }) + " 公顷";
}

function popupHTML(p) {
  const c = CHANGES[p.change] || ["#555", p.change];
  let html = '<div class="diff-popup"><b>' + esc(c[1]) + "</b> " + esc(p.code || "（无编码）") + " " + esc(p.name || "");
  if (p.change === "changed") {
    const attrs = Object.keys(p.changed_attributes || {});
    attrs.forEach(function (k) {
      const v = p.changed_attributes[k];
      html += "<div>" + esc(k) + "：" + esc(v[0] === null ? "—" : v[0]) + " → " + esc(v[1] === null ? "—" : v[1]) + "</div>";
    });
    if (p.geometry_changed) {
      html += "<div>几何变化：质心移动 " + esc(Math.round(p.moved_m)) + " 米";
      if (p.area_difference_m2 !== undefined) html += "，面积变化 " + esc(hectares(p.area_difference_m2));
      html += "</div>";
    }
  } else if (p.area_m2 !== undefined) {
    html += "<div>面积 " + esc(hectares(p.area_m2)) + "</div>";
  }
  return html + "</div>";
}

function drawDiff(fc) {
  clearDiff();
  layer = L.geoJSON(fc, {
    pane: "diff",
    style: function (f) {
      const c = (CHANGES[f.properties.change] || ["#555"])[0];
      return { color: c, fillColor: c, weight: 2.5, fillOpacity: 0.55 };
    },
    pointToLayer: function (f, latlng) {
      const c = (CHANGES[f.properties.change] || ["#555"])[0];
      return L.circleMarker(latlng, { pane: "diff", radius: 6, color: "#fff", weight: 1.5, fillColor: c, fillOpacity: 0.9 });
    },
    onEachFeature: function (f, l) { l.bindPopup(popupHTML(f.properties)); },
  }).addTo(map);
  state.diff = { layer: layer, count: fc.features.length };
  const b = layer.getBounds();
  if (b.isValid()) map.fitBounds(b, { padding: [20, 20], animate: false });
}

export function clearDiff() {
  if (layer) map.removeLayer(layer);
  layer = null;
  state.diff = null;
}

function summaryHTML(body) {
  const s = body.summary;
  const synthetic = body.from.synthetic || body.to.synthetic;
  let html = '<p class="diff-summary">' + esc(body.from.name) + " → " + esc(body.to.name) +
    (synthetic ? "（演示合成数据）" : "") + "：";
  html += Object.keys(CHANGES).map(function (k) {
    return '<span class="diff-' + k + '">' + CHANGES[k][1] + " " + esc(s[k]) + "</span>";
  }).join("、") + "</p>";
  if (body.area) {
    html += "<p>面积增加 " + esc(hectares(body.area.gained_m2)) + "，减少 " + esc(hectares(body.area.lost_m2)) + "</p>";
    if (body.area.by_division.length) {
      html += '<table class="diff-divisions"><tr><th>行政区</th><th>增加</th><th>减少</th></tr>' +
        body.area.by_division.map(function (d) {
          return "<tr><td>" + esc(d.name) + " " + esc(d.adcode) + "</td><td>" + esc(hectares(d.gained_m2)) +
            "</td><td>" + esc(hectares(d.lost_m2)) + "</td></tr>";
        }).join("") + "</table>";
    }
  }
  const check = body.only_grows;
  if (check) {
    html += '<p class="diff-check ' + (check.only_grows ? "ok" : "fail") + '">只增不减（' + esc(check.older) + " → " +
      esc(check.newer) + "）：" + (check.only_grows ? "满足" : "不满足，减少 " + esc(hectares(check.lost_m2)) +
      (check.by_division.length ? "（" + check.by_division.map(function (d) { return esc(d.name); }).join("、") + "）" : "")) + "</p>";
  }
  return html;
}

function fillReleases(id) {
  const from = document.getElementById("diff-from");
  const to = document.getElementById("diff-to");
  from.innerHTML = to.innerHTML = "";
  if (!id) return Promise.resolve();
  return getJSON("/collections/" + encodeURIComponent(id) + "/releases").then(function (body) {
    const names = (body.releases || []).map(function (r) { return r.name; }); // newest first
    const options = names.map(function (n) { return '<option value="' + esc(n) + '">' + esc(n) + "</option>"; }).join("");
    from.innerHTML = to.innerHTML = options;
    if (names.length > 1) from.value = names[1];
  });
}

function fillCollections() {
  const select = document.getElementById("diff-collection");
  const ids = Object.keys(state.collections).filter(function (id) { return state.collections[id].release; });
  select.innerHTML = '<option value="">— 选择图层 —</option>' + ids.map(function (id) {
    return '<option value="' + esc(id) + '">' + esc(state.collections[id].title) + "</option>";
  }).join("");
}

function runDiff() {
  const id = document.getElementById("diff-collection").value;
  const a = document.getElementById("diff-from").value;
  const b = document.getElementById("diff-to").value;
  const out = document.getElementById("diff-result");
  if (!id || !a || !b) { out.innerHTML = '<p class="muted">请选择图层和两个版本。</p>'; return Promise.resolve(); }
  out.innerHTML = '<p class="muted">对比中…</p>';
  const path = "/collections/" + encodeURIComponent(id) + "/releases/" + encodeURIComponent(a) +
    "/diff/" + encodeURIComponent(b);
  return getJSON(path).then(function (body) {
    drawDiff(body.features);
    out.innerHTML = summaryHTML(body);
  }).catch(function (err) {
    clearDiff();
    out.innerHTML = '<p class="error">无法对比：' + esc(err.message) + "</p>";
  });
}

export function initDiff() {
  const box = document.getElementById("release-diff");
  box.addEventListener("toggle", function () { if (box.open) fillCollections(); });
  document.getElementById("diff-collection").addEventListener("change", function (e) { fillReleases(e.target.value); });
  document.getElementById("diff-run").addEventListener("click", runDiff);
  document.getElementById("diff-clear").addEventListener("click", function () {
    clearDiff();
    document.getElementById("diff-result").innerHTML = "";
  });
}
