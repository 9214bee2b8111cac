/* The reviewer's map (entry module): layers from /collections (bbox-limited GeoJSON,
 * reloaded on moveend), popups with releases, "as of" date, search, project drawing and
 * upload, screening, history; the address links to what is shown (link.js). Only this
 * server is contacted; Leaflet and leaflet-geoman are vendored classic scripts loaded
 * before this module (window.L). */

import { initAsOf } from "./asof.js";
import { PHONE } from "./config.js";
import { esc } from "./escape.js";
import { initDiff } from "./diff.js";
import { initExamples, loadExamples, loadIndustries } from "./examples.js";
import { initFacts } from "./facts.js";
import { initHistory, reopen } from "./history.js";
import { initIndicators } from "./indicators.js";
import { dataBounds, initLayers, layerNote, loadCollections, loadVisible, showCollection } from "./layers.js";
import { initProgress } from "./lifecycle.js";
import { readLink, setLinkParam, trackView } from "./link.js";
import { initPanel, openPanel } from "./panel.js";
import { initProject } from "./project.js";
import { loadRasters } from "./rasters.js";
import { initScreening } from "./screening.js";
import { initSearch } from "./search.js";
import { initTools } from "./tools.js";
import { initTrace } from "./trace.js";
import { state } from "./state.js";
import { map } from "./view.js";

const link = readLink(window.location);
if (link.asOf) state.asOf = link.asOf;
initTools();
initLayers();
initAsOf();
initSearch();
initPanel();
initProject();
initScreening();
initFacts();
initHistory();
initIndicators();
initDiff();
initExamples();
initTrace();

loadIndustries();
loadExamples();
loadRasters();

if (PHONE.matches) openPanel(false);
const t0 = performance.now();
// The first view: the link's (#map=…), else the linked collection's extent, else all data.
function firstView(collections) {
  let b = dataBounds(collections);
  if (link.collection) {
    const extent = showCollection(link.collection);
    if (extent === undefined) layerNote("链接中的图层 “" + link.collection + "” 不存在，已显示全部图层。");
    else if (extent === null) layerNote("图层 “" + state.entries[link.collection].meta.title + "” 在 " + state.asOf + " 无有效数据。");
    else b = extent;
  }
  if (link.ignored.length) layerNote("链接中无法识别的部分已忽略：" + link.ignored.join("，"));
  if (link.view) map.setView([link.view.lat, link.view.lon], link.view.zoom, { animate: false });
  else if (b && b.isValid()) map.fitBounds(b, { padding: [10, 10], animate: false });
  trackView(map);
}

loadCollections().then(function (collections) {
  initProgress();
  firstView(collections);
  return loadVisible();
}).then(function () {
  // a linked screening is reopened once the layers are drawn (its project goes on top)
  if (link.screening) {
    return reopen(link.screening).catch(function (err) {
      layerNote("无法打开链接中的筛查 " + link.screening + "：" + err.message);
      setLinkParam("screening", null);
    });
  }
}).then(function () {
  state.timings.firstRenderMs = performance.now();
  state.timings.firstRenderFromScriptMs = performance.now() - t0;
  state.firstRenderDone = true;
  document.body.dataset.ready = "1";
}).catch(function (err) {
  document.getElementById("layer-list").innerHTML = '<p class="error">无法加载图层：' + esc(err.message) + "</p>";
  document.body.dataset.ready = "error";
});
