/* The project's location: drawn with leaflet-geoman or uploaded (GeoJSON, zipped
 * Shapefile, 拐点坐标 txt or Excel/CSV table via /web/project-file); one project at a time. */

import { getJSON } from "./api.js";
import { PHONE } from "./config.js";
import { esc } from "./escape.js";
import { setOutfall } from "./facts.js";
import { renderLegend } from "./legend.js";
import { openPanel, showTab } from "./panel.js";
import { clearScreening } from "./screening.js";
import { state } from "./state.js";
import { map, projectLayer } from "./view.js";

function geometryLabel(g) {
  return { Point: "点", MultiPoint: "多点", LineString: "线", MultiLineString: "多线", Polygon: "面", MultiPolygon: "多面" }[g.type] || g.type;
}

// reportCrs: the zone the reports list the corners in (an uploaded file's own), else null
export function setProject(geometry, note, reportCrs) {
  state.project = geometry;
  state.reportCrs = (geometry && reportCrs) || null;
  projectLayer.clearLayers();
  if (geometry) projectLayer.addData({ type: "Feature", geometry: geometry, properties: {} });
  document.getElementById("project-status").innerHTML = geometry
    ? "项目几何：" + esc(geometryLabel(geometry)) + (note ? "<br>" + esc(note) : "")
    : "尚未设置项目位置：用上方按钮或地图左侧工具绘制，或上传文件。";
  renderLegend();
}

function uploadProjectFile(ev) {
  const file = ev.target.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  const crs = document.getElementById("project-crs").value;
  if (crs) form.append("crs", crs);
  form.append("near_lon", map.getCenter().lng.toFixed(4));
  const status = document.getElementById("project-status");
  status.textContent = "正在读取 " + file.name + " …";
  getJSON("/web/project-file", { method: "POST", body: form }).then(function (body) {
    clearScreening();
    const note = file.name + "（" + body.format + "，" + body.crs + "，" + body.feature_count + " 个要素）" +
      (body.notes && body.notes.length ? "；" + body.notes.join("；") : "");
    setProject(body.geometry, note, body.report_crs);
    map.fitBounds(projectLayer.getBounds(), { maxZoom: 15, padding: [40, 40] });
  }).catch(function (err) {
    status.innerHTML = '<span class="error">无法读取文件：' + esc(err.message) + "</span>";
  });
  ev.target.value = "";
}

// geoman's toolbar buttons are links named only by their container's title: give each
// its own accessible name.
function nameToolbarButtons() {
  map.getContainer().querySelectorAll(".leaflet-pm-toolbar .button-container").forEach(function (c) {
    const button = c.querySelector(".leaflet-buttons-control-button");
    if (button && c.title) button.setAttribute("aria-label", c.title);
  });
}

export function initProject() {
  // Opt-in: geoman's edit, drag and removal modes act only on layers with pmIgnore: false
  // (the project), never on the regulatory layers, the evidence or the outfall.
  L.PM.setOptIn(true);
  map.pm.setLang("zh");
  map.pm.addControls({
    position: "topleft", drawMarker: true, drawPolyline: true, drawPolygon: true, drawRectangle: true,
    drawCircle: false, drawCircleMarker: false, drawText: false, cutPolygon: false, rotateMode: false,
    dragMode: false, editMode: true, removalMode: true,
  });
  // the vertices to drag sit above the project's canvas (in the marker pane, under it, they
  // could be seen but not grabbed)
  map.pm.setGlobalOptions({
    pathOptions: { color: "#0d47a1", fillColor: "#42a5f5", fillOpacity: 0.35 }, snappable: false,
    panes: { vertexPane: "handles", markerPane: "handles", layerPane: "project" },
  });
  nameToolbarButtons();

  map.on("pm:create", function (e) {
    const geometry = e.layer.toGeoJSON().geometry;
    map.removeLayer(e.layer); // the project (or outfall) layer draws it: one of each exists
    // one project, one outfall: the tool is done (geoman's marker mode would go on placing,
    // and the next click meant for a feature's popup would move the project)
    map.pm.disableDraw();
    if (state.placing === "outfall" && geometry.type === "Point") {
      setOutfall(geometry);
      document.getElementById("project-facts").open = true;
    } else {
      clearScreening();
      setProject(geometry, "在地图上绘制");
    }
    showTab("screen");
  });
  map.on("pm:remove", function () { setProject(null); });
  projectLayer.on("pm:edit", function () {
    const layers = projectLayer.getLayers();
    if (layers.length) state.project = layers[0].toGeoJSON().geometry;
  });
  document.querySelectorAll("[data-draw]").forEach(function (b) {
    b.addEventListener("click", function () {
      state.placing = null;
      map.pm.enableDraw(b.dataset.draw, { snappable: false });
      if (PHONE.matches) openPanel(false);
    });
  });
  document.getElementById("clear-project").addEventListener("click", function () {
    map.pm.disableDraw(); clearScreening(); setProject(null); setOutfall(null);
  });
  document.getElementById("project-file").addEventListener("change", uploadProjectFile);
}
