/* The reviewer's map (entry module): layers from /collections (bbox-limited GeoJSON,
 * reloaded on moveend), popups with releases, "as of" date, search, project drawing and
 * upload, screening, history. Only this server is contacted; Leaflet and leaflet-geoman are
 * vendored classic scripts loaded before this module (window.L). */

import { PHONE } from "./config.js";
import { esc } from "./escape.js";
import { initDiff } from "./diff.js";
import { initExamples, loadExamples, loadIndustries } from "./examples.js";
import { initFacts } from "./facts.js";
import { initHistory } from "./history.js";
import { initIndicators } from "./indicators.js";
import { dataBounds, initLayers, loadCollections, loadVisible } from "./layers.js";
import { initProgress, refreshProgress } from "./lifecycle.js";
import { initPanel, openPanel } from "./panel.js";
import { initProject } from "./project.js";
import { loadRasters } from "./rasters.js";
import { initScreening } from "./screening.js";
import { initSearch } from "./search.js";
import { initTrace } from "./trace.js";
import { state } from "./state.js";
import { map } from "./view.js";

function initAsOf() {
  const asOfInput = document.getElementById("as-of");
  asOfInput.value = state.asOf;
  asOfInput.addEventListener("change", function () {
    if (!asOfInput.value) return;
    state.asOf = asOfInput.value;
    loadCollections().then(loadVisible).then(refreshProgress);
    loadRasters();
  });
}

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
loadCollections().then(function (collections) {
  initProgress();
  const b = dataBounds(collections);
  if (b && b.isValid()) map.fitBounds(b, { padding: [10, 10], animate: false });
  return loadVisible();
}).then(function () {
  state.timings.firstRenderMs = performance.now();
  state.timings.firstRenderFromScriptMs = performance.now() - t0;
  state.firstRenderDone = true;
  document.body.dataset.ready = "1";
}).catch(function (err) {
  document.getElementById("layer-list").innerHTML = '<p class="error">无法加载图层：' + esc(err.message) + "</p>";
  document.body.dataset.ready = "error";
});
