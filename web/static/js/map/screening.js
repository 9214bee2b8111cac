/* Screening a project: the form's POST /screenings, the verdict and completeness banners,
 * the rule rows (rulerows.js), the evidence highlighted on the map with distance lines. */

import { getJSON, url } from "./api.js";
import { completenessBanner, outcomeKey } from "./completeness.js";
import { OUTCOMES, VERDICTS } from "./config.js";
import { conformitySummary, renderConformity } from "./conformity.js";
import { nearestLine } from "./distance.js";
import { esc, textEl } from "./escape.js";
import { readFacts } from "./facts.js";
import { renderLegend } from "./legend.js";
import { setLinkParam } from "./link.js";
import { clearProtectionTargets, drawProtectionTargets, protectionTable } from "./protection.js";
import { showTab } from "./panel.js";
import { fmtMetres, ruleRow } from "./rulerows.js";
import { state } from "./state.js";
import { distanceLayer, evidenceLayer, map, projectLayer } from "./view.js";

export function clearScreening() {
  state.screening = null;
  setLinkParam("screening", null);
  evidenceLayer.clearLayers();
  distanceLayer.clearLayers();
  clearProtectionTargets();
  document.getElementById("screen-result").innerHTML = "";
  renderConformity(null);
}

export function renderScreening(s) {
  state.screening = s;
  setLinkParam("screening", s.id); // the address reopens it (link.js)
  const v = VERDICTS[s.verdict] || [s.verdict || "—", "unknown"];
  let html = '<div id="verdict-banner" class="verdict-banner verdict-' + v[1] + '" data-verdict="' + esc(s.verdict) + '">' +
    esc(v[0]) + "<small>" + esc(s.name || "") + " ｜ " + esc(s.industry || "") + " ｜ " +
    esc(s.kind || "") + " ｜ 缓冲 " + esc(s.buffer_m) + " m ｜ 现状日期 " + esc(s.as_of || "") + "</small></div>";
  html += '<div class="report-links"><a id="report-link" href="' + url("/screenings/" + encodeURIComponent(s.id) + "/report") +
    '" target="_blank" rel="noopener">打开报告</a><a href="' + url("/screenings/" + encodeURIComponent(s.id) + "/report.pdf") +
    '" target="_blank" rel="noopener">下载 PDF</a><a id="word-link" href="' + url("/screenings/" + encodeURIComponent(s.id) + "/report.docx") +
    '" download>下载 Word</a><a id="excel-link" href="' + url("/screenings/" + encodeURIComponent(s.id) + "/report.xlsx") +
    '" download title="报告中的各表，数值可排序求和">下载 Excel</a><a id="map-file-link" href="' + url("/screenings/" + encodeURIComponent(s.id) + "/map.html") +
    '" download title="可离线打开的交互地图（HTML），可作为邮件附件转发">下载地图文件</a></div>';
  html += completenessBanner(s);
  if (s.warnings && s.warnings.length) {
    const lines = s.warnings.map(function (w) { return esc(typeof w === "string" ? w : (w.message || JSON.stringify(w))); }).join("<br>");
    html += s.warnings.length > 3 // many (one per rule not checked): folded, the banner sums them up
      ? '<details class="warnings"><summary>提示（' + s.warnings.length + " 条）</summary>" + lines + "</details>"
      : '<div class="warnings">' + lines + "</div>";
  }
  if (s.conformity) {
    html += '<div class="conformity-link">准入清单符合性：' + esc(conformitySummary(s) || "—") +
      ' <button type="button" id="show-conformity">查看符合性分析</button></div>';
  }
  html += outcomeKey(s.results);
  // the rules that apply, then those that do not (most of a rule set for one project:
  // another province's, another industry's) folded away; each keeps its index in s.results
  const results = s.results || [];
  const order = Object.keys(OUTCOMES);
  const rank = function (i) { const k = order.indexOf(results[i].outcome); return k < 0 ? order.length : k; };
  const row = function (i) { return ruleRow(results[i], i); };
  const indices = results.map(function (_r, i) { return i; });
  const notApplicable = indices.filter(function (i) { return results[i].outcome === "NOT_APPLICABLE"; });
  html += indices.filter(function (i) { return results[i].outcome !== "NOT_APPLICABLE"; })
    .sort(function (a, b) { return rank(a) - rank(b) || a - b; }) // DENY … PASS, else in rule order
    .map(row).join("");
  if (notApplicable.length) {
    html += '<details id="not-applicable" class="not-applicable"><summary>不适用的规则（' + notApplicable.length +
      " 条：适用范围或适用条件不含本项目）</summary>" + notApplicable.map(row).join("") + "</details>";
  }
  html += protectionTable(s);
  const box = document.getElementById("screen-result");
  box.innerHTML = html;
  box.querySelectorAll("li[data-r]").forEach(function (li) {
    li.addEventListener("click", function () {
      const ev = s.results[Number(li.dataset.r)].evidence[Number(li.dataset.e)];
      const hit = evidenceLayer.getLayers().filter(function (l) { return l.feature && l.feature.properties._key === ev.collection + ":" + ev.feature_id; })[0];
      if (hit) map.fitBounds(L.featureGroup([hit, projectLayer]).getBounds(), { maxZoom: 16, padding: [30, 30] });
    });
  });
  drawProtectionTargets(s);
  const toConformity = document.getElementById("show-conformity");
  if (toConformity) toConformity.addEventListener("click", function () { showTab("conformity"); });
  renderConformity(s);
  renderLegend();
  box.scrollIntoView({ block: "start" });
  return highlightEvidence(s);
}

function highlightEvidence(s) {
  evidenceLayer.clearLayers();
  distanceLayer.clearLayers();
  const seen = {};
  let refs = [];
  (s.results || []).forEach(function (r) {
    (r.evidence || []).forEach(function (ev) {
      if (ev.path) drawRiverPath(ev);
      if (ev.feature_id == null) return;
      const key = ev.collection + ":" + ev.feature_id;
      // a distance measured from the outfall (measured_from) is drawn from it
      const item = r.measured_from === "outfall" ? Object.assign({ _fromOutfall: true }, ev) : ev;
      if (seen[key]) { if (ev.distance_m != null && (seen[key].distance_m == null || ev.distance_m < seen[key].distance_m)) seen[key] = item; return; }
      seen[key] = item; refs.push(key);
    });
  });
  refs = refs.slice(0, 60);
  return Promise.all(refs.map(function (key) {
    const ev = seen[key];
    return getJSON("/collections/" + encodeURIComponent(ev.collection) + "/items/" + encodeURIComponent(ev.feature_id))
      .then(function (f) {
        f.properties = f.properties || {};
        f.properties._key = key;
        evidenceLayer.addData(f);
        f.properties._ev = ev;
        return f;
      }).catch(function () { return null; });
  })).then(function (features) {
    drawDistanceLines(features.filter(Boolean));
    const b = L.featureGroup([projectLayer, distanceLayer]).getBounds();
    if (b.isValid()) map.fitBounds(b, { maxZoom: 16, padding: [40, 40] });
  }).catch(function (err) {
    console.warn("evidence highlight: " + err.message); // the verdict stays shown
  });
}

// An upstream rule's evidence along the river it follows (GeoJSON LineString in lon/lat,
// from the project's point on the river down to the target): a straight line would cut
// across the river's bends and under-draw the distance it is labelled with.
function drawRiverPath(ev) {
  if (ev.path.type !== "LineString" || ev.path.coordinates.length < 2) return;
  const latlngs = ev.path.coordinates.map(function (c) { return [c[1], c[0]]; });
  L.polyline(latlngs, { pane: "evidence", color: "#d81b60", weight: 3, dashArray: "6 4", className: "river-path" })
    .bindTooltip(textEl("沿河 " + fmtMetres(ev.distance_m) + " · " + (ev.name || "")),
      { permanent: true, direction: "center", className: "distance-label" })
    .addTo(distanceLayer);
}

function drawDistanceLines(features) {
  if (!state.project) return;
  features.forEach(function (f) {
    const ev = f.properties._ev;
    if (!ev || ev.path || !(ev.distance_m > 0)) return; // a river path is drawn as it runs
    const ends = nearestLine(ev._fromOutfall && state.outfall ? state.outfall : state.project, f.geometry);
    if (!ends) return;
    L.polyline(ends, { pane: "evidence", color: "#d81b60", weight: 2, dashArray: "6 4" })
      .bindTooltip(textEl((ev.via ? "沿河 " : "") + fmtMetres(ev.distance_m) + " · " + (ev.name || "")),
        { permanent: true, direction: "center", className: "distance-label" })
      .addTo(distanceLayer);
  });
}

function submitScreening(ev) {
  ev.preventDefault();
  const box = document.getElementById("screen-result");
  if (!state.project) {
    box.innerHTML = '<p class="error">请先绘制或上传项目位置。</p>';
    return;
  }
  const industry = document.getElementById("industry");
  const code = document.getElementById("industry-code").value.trim(); // the industry's, or made more specific
  const body = {
    name: document.getElementById("project-name").value || "拟建项目",
    geometry: state.project,
    industry: industry.value,
    kind: document.getElementById("kind").value,
    buffer_m: Number(document.getElementById("buffer").value || 0),
    as_of: state.asOf,
  };
  if (code) body.industry_code = code;
  if (state.reportCrs) body.report_crs = state.reportCrs;
  let facts;
  try { facts = readFacts(); } catch (err) {
    box.innerHTML = '<p class="error">' + esc(err.message) + "</p>";
    return;
  }
  Object.assign(body, facts);
  const button = document.getElementById("run-screening");
  button.disabled = true;
  button.textContent = "筛查中…";
  const t0 = performance.now();
  clearScreening();
  getJSON("/screenings", {
    method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  }).then(function (s) {
    const shown = renderScreening(s);
    state.timings.screenToVerdictMs = performance.now() - t0;
    return shown;
  }).catch(function (err) {
    box.innerHTML = '<p class="error">筛查失败：' + esc(err.message) + "</p>";
  }).finally(function () {
    button.disabled = false;
    button.textContent = "开始筛查";
  });
}

export function initScreening() {
  document.getElementById("screen-form").addEventListener("submit", submitScreening);
}
