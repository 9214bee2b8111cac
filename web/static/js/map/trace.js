/* 上下游追溯: click a river, trace up- or downstream along the river network
 * (POST /queries/upstream|downstream, the server's default collections: water-source
 * zones, sections, outfalls, enterprises), highlight the traced reaches and list what
 * lies on them with the along-river distance and the rivers passed. */

import { getJSON } from "./api.js";
import { esc, textEl } from "./escape.js";
import { state } from "./state.js";
import { armTool, onPmModeOn } from "./tools.js";
import { map } from "./view.js";

let armed = false;
let drawn = null;
let panel = null;

function km(m) { return (m / 1000).toFixed(m < 10000 ? 2 : 1) + " km"; }

function render(body) {
  if (drawn) map.removeLayer(drawn);
  drawn = L.layerGroup().addTo(map);
  L.geoJSON(body.reaches, {
    pane: "evidence",
    style: { color: "#d81b60", weight: 6, opacity: 0.75, className: "trace-reach" },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(textEl((f.properties.name || "未命名河流") + " · 起点起 " + km(f.properties.from_m)));
    },
  }).addTo(drawn);
  body.features.forEach(function (f) {
    L.geoJSON(f.geometry, {
      pane: "evidence",
      style: { color: "#6a1b9a", weight: 3, dashArray: "6 4", className: "trace-path" },
    }).addTo(drawn);
  });
  const list = panel.querySelector(".trace-result");
  const label = body.direction === "upstream" ? "上游" : "下游";
  let html = "<p>" + label + " " + esc(km(body.distance_m)) + " 内：" + body.features.length + " 个要素" +
    "（起点河流 " + esc(body.start.river || "未命名") + "）</p>";
  if (body.network.derived) html += '<p class="trace-derived">河网流向为推导（derived：高程/中心线/人工指定/数字化方向），仅供参考</p>';
  html += "<ol>" + body.features.map(function (f) {
    const p = f.properties;
    return "<li>" + esc(p.name || "未命名") + " <small>" + esc((state.collections[p.collection] || {}).title || p.collection) + "</small> — 沿河 " +
      esc(km(p.distance_m)) + "<br><small>" + esc(p.rivers.join(" → ")) + "</small></li>";
  }).join("") + "</ol>";
  list.innerHTML = html;
  list.dataset.count = String(body.features.length);
}

function run(latlng) {
  const direction = panel.querySelector("select[name=direction]").value;
  const distanceKm = parseFloat(panel.querySelector("input[name=distance]").value) || 10;
  const list = panel.querySelector(".trace-result");
  list.textContent = "追溯中…";
  getJSON("/queries/" + direction, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      geometry: { type: "Point", coordinates: [latlng.lng, latlng.lat] },
      distance_m: distanceKm * 1000,
      as_of: state.asOf,
    }),
  }).then(render).catch(function (err) {
    list.innerHTML = '<p class="error">' + esc(err.message) + "</p>";
    list.dataset.count = "error";
  });
}

// On, the tool takes the map's clicks (no feature popups, tools.js) and geoman's modes stop.
function arm(on) {
  armed = on;
  armTool("trace", on);
  if (on) {
    if (map.pm.globalDrawModeEnabled()) map.pm.disableDraw();
    if (map.pm.globalEditModeEnabled()) map.pm.disableGlobalEditMode();
    if (map.pm.globalRemovalModeEnabled()) map.pm.disableGlobalRemovalMode();
    if (map.pm.globalDragModeEnabled()) map.pm.disableGlobalDragMode();
  }
  const toggle = panel.querySelector("button.trace-toggle");
  toggle.classList.toggle("active", on);
  toggle.setAttribute("aria-pressed", String(on));
  map.getContainer().style.cursor = on ? "crosshair" : "";
  if (!on && drawn) { map.removeLayer(drawn); drawn = null; }
}

const TraceControl = L.Control.extend({
  options: { position: "topright" },
  onAdd: function () {
    const div = L.DomUtil.create("div", "map-trace leaflet-bar");
    div.id = "trace-tool";
    div.innerHTML =
      '<button type="button" class="trace-toggle" aria-pressed="false" title="点击河流，沿河网追溯上下游">上下游追溯</button>' +
      '<div class="trace-form">' +
      '<label>方向 <select name="direction"><option value="upstream">上游</option><option value="downstream">下游</option></select></label> ' +
      '<label>距离 <input name="distance" type="number" min="0.1" max="200" step="0.1" value="10"> km</label>' +
      '<p class="trace-hint">开启后点击地图上的河流</p><div class="trace-result"></div></div>';
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  },
});

export function initTrace() {
  const control = new TraceControl();
  control.addTo(map);
  panel = control.getContainer();
  panel.querySelector("button.trace-toggle").addEventListener("click", function () { arm(!armed); });
  map.on("click", function (e) { if (armed) run(e.latlng); });
  onPmModeOn(function () { if (armed) arm(false); }); // drawing the project ends tracing
}
