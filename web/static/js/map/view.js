/* The Leaflet map: panes, scale, coordinates and legend controls, and the overlay layers
 * (search flash, project, screening evidence, distance lines) the other modules draw on. */

import { PHONE } from "./config.js";
import { state } from "./state.js";

export const map = L.map("map", {
  preferCanvas: true, zoomControl: true, attributionControl: true, minZoom: 3, maxZoom: 19,
  center: [32.0, 119.5], zoom: 7,
});
map.attributionControl.setPrefix("Leaflet");
map.attributionControl.addAttribution("底图：本系统行政区划与水体图层（离线）");
L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
state.map = map;

// panes keep the basemap-like layers under the regulatory ones and the project on top
map.createPane("base").style.zIndex = 350;
map.createPane("zones").style.zIndex = 400;
map.createPane("points").style.zIndex = 450;
map.createPane("diff").style.zIndex = 600; // a release diff (版本对比), above the layers it compares
map.createPane("evidence").style.zIndex = 620;
map.createPane("project").style.zIndex = 640;
map.createPane("handles").style.zIndex = 645; // geoman's vertices, above the project's canvas (project.js)

const Coords = L.Control.extend({
  options: { position: "bottomleft" },
  onAdd: function () {
    const div = L.DomUtil.create("div", "map-coords");
    div.id = "coords";
    div.textContent = "经度 —  纬度 —";
    return div;
  },
});
new Coords().addTo(map);
map.on("mousemove", function (e) {
  document.getElementById("coords").textContent =
    "经度 " + e.latlng.lng.toFixed(5) + "°  纬度 " + e.latlng.lat.toFixed(5) + "°  缩放 " + map.getZoom();
});

const Legend = L.Control.extend({
  options: { position: "bottomright" },
  onAdd: function () {
    const div = L.DomUtil.create("div", "map-legend");
    div.id = "legend";
    if (PHONE.matches) div.classList.add("collapsed");
    L.DomEvent.disableScrollPropagation(div);
    L.DomEvent.disableClickPropagation(div);
    div.addEventListener("click", function (ev) {
      if (ev.target.tagName === "H4") div.classList.toggle("collapsed");
    });
    return div;
  },
});
new Legend().addTo(map);

// The legend (bottom right) keeps clear of the controls above it in the right column (the
// trace tool and its result list): past the room between them it scrolls, never covers them.
function fitLegend() {
  const legend = document.getElementById("legend");
  const above = map.getContainer().querySelector(".leaflet-top.leaflet-right");
  if (!legend || !above) return;
  legend.style.maxHeight = "";
  const cap = parseFloat(getComputedStyle(legend).maxHeight) || Infinity;
  const room = legend.getBoundingClientRect().bottom - above.getBoundingClientRect().bottom - 10;
  legend.style.maxHeight = Math.max(40, Math.min(cap, room)) + "px";
}
if (window.ResizeObserver) {
  const watch = new ResizeObserver(function () { fitLegend(); });
  watch.observe(map.getContainer());
  watch.observe(map.getContainer().querySelector(".leaflet-top.leaflet-right"));
}

// a search hit's outline
export const flashLayer = L.geoJSON(null, { pane: "evidence", style: { color: "#ff6f00", weight: 3, fill: false } }).addTo(map);

// the project: the one layer geoman's edit and removal modes act on (pmIgnore: false, the
// map being opt-in, project.js)
export const projectLayer = L.geoJSON(null, {
  pane: "project", pmIgnore: false,
  style: { color: "#0d47a1", weight: 3, fillColor: "#42a5f5", fillOpacity: 0.35 },
  pointToLayer: function (f, latlng) {
    return L.circleMarker(latlng, { pane: "project", pmIgnore: false, radius: 8, color: "#0d47a1", weight: 3, fillColor: "#42a5f5", fillOpacity: 0.8 });
  },
}).addTo(map);

// the project's outfall (排污口): a square-ish brown marker apart from the project's circle
export const outfallLayer = L.geoJSON(null, {
  pane: "project",
  pointToLayer: function (f, latlng) {
    return L.circleMarker(latlng, { pane: "project", radius: 7, color: "#4e342e", weight: 3, fillColor: "#a1887f", fillOpacity: 0.9, className: "outfall-marker" })
      .bindTooltip("排污口", { direction: "top" });
  },
}).addTo(map);

export const evidenceLayer = L.geoJSON(null, {
  pane: "evidence",
  style: { color: "#d81b60", weight: 3, fillColor: "#f48fb1", fillOpacity: 0.12 },
  pointToLayer: function (f, latlng) {
    return L.circleMarker(latlng, { pane: "evidence", radius: 8, color: "#d81b60", weight: 3, fillColor: "#f48fb1", fillOpacity: 0.7 });
  },
}).addTo(map);

export const distanceLayer = L.featureGroup().addTo(map);

// the screening's 环境保护目标 (protection_targets): highlighted, labelled with 方位 and distance
export const protectionLayer = L.featureGroup().addTo(map);
