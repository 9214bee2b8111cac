/* The 指标 tab: the plans' indicators (GET /indicators) of a division at the map's centre
 * on the as-of date, each beside its target with its status colour, and a bar chart of
 * the percentage indicators against their targets (uPlot, vendored: window.uPlot). */

import { getJSON } from "./api.js";
import { esc } from "./escape.js";
import { onTabShown } from "./panel.js";
import { state } from "./state.js";
import { map } from "./view.js";

const LEVELS = { province: "省", city: "市", county: "县（市、区）" };
const STATUS_CLASS = { "达标": "met", "未达标": "unmet", "无数据": "nodata", "无目标": "notarget" };
const COMPARATORS = { ">=": "≥", "<=": "≤", "==": "=", no_decrease: "不减少", qualitative: "定性" };

let chart = null;   // the uPlot chart shown, destroyed before the next one
let shown = null;   // the request the tab shows: "adcode|as_of"

function fmt(v, unit) {
  if (v == null) return "—";
  return esc(v) + (unit === "%" ? "%" : " " + esc(unit));
}

function targetHTML(t) {
  if (!t) return '<span class="muted">无规划目标</span>';
  const number = t.value == null ? esc(t.text) : esc(COMPARATORS[t.comparator] || "") + fmt(t.value, t.unit) + (t.approximate ? "左右" : "");
  return number + '<div class="muted">' + esc(t.jurisdiction_name || t.jurisdiction) + "·" + esc(t.document) +
    (t.binding ? "·" + esc(t.binding) : "") +
    (t.baseline_year != null ? "·基准 " + esc(t.baseline_year) + " 年 " + fmt(t.baseline_value, t.unit) : "") +
    (t.target_year ? "·" + esc(t.target_year) + " 年" : "") + "</div>";
}

function rowHTML(i) {
  const cls = STATUS_CLASS[i.status] || "nodata";
  return '<tr class="indicator-row status-' + cls + '" data-key="' + esc(i.key) + '" data-status="' + esc(i.status) + '">' +
    '<th title="' + esc(i.definition) + '">' + esc(i.name) + "</th><td>" + fmt(i.value, i.unit) + "</td><td>" + targetHTML(i.target) +
    '</td><td><span class="ind-status ind-' + cls + '">' + esc(i.status) + "</span>" +
    (i.reason ? '<div class="muted">' + esc(i.reason) + "</div>" : "") + "</td></tr>";
}

// The percentage indicators with a value: bars of the value, points of the target.
function drawChart(el, items) {
  if (chart) { chart.destroy(); chart = null; }
  const pct = items.filter(function (i) { return i.unit === "%" && i.value != null; });
  el.hidden = !pct.length || !window.uPlot;
  if (el.nextElementSibling) el.nextElementSibling.hidden = el.hidden;  // the legend
  if (el.hidden) return;
  const xs = pct.map(function (_, k) { return k; });
  const values = pct.map(function (i) { return i.value; });
  const targets = pct.map(function (i) { return i.target && i.target.value != null ? i.target.value : null; });
  const names = pct.map(function (i) { return i.name.replace(/（.*?）/g, "").slice(0, 6); });
  const top = Math.max.apply(null, values.concat(targets.filter(function (t) { return t != null; }))) || 1;
  chart = new window.uPlot({
    width: Math.max(260, el.clientWidth || 300), height: 200,
    scales: { x: { time: false, range: [-0.6, pct.length - 0.4] }, y: { range: [0, Math.min(100, Math.ceil(top * 1.15)) || 1] } },
    legend: { show: false },
    cursor: { show: false },
    axes: [
      { values: function (_, splits) { return splits.map(function (s) { return Number.isInteger(s) && names[s] != null ? names[s] : ""; }); },
        splits: function () { return xs; }, size: 40, font: "11px sans-serif" },
      { values: function (_, splits) { return splits.map(function (s) { return s + "%"; }); }, size: 50, font: "11px sans-serif" },
    ],
    series: [
      {},
      { label: "现值", stroke: "#1565c0", fill: "rgba(21,101,192,0.5)", paths: window.uPlot.paths.bars({ size: [0.6, 40] }), points: { show: false } },
      { label: "目标", stroke: "#c62828", width: 0, points: { show: true, size: 9, fill: "#c62828" } },
    ],
  }, [xs, values, targets], el);
}

function render(body) {
  const result = document.getElementById("ind-result");
  const d = body.division;
  const counts = {};
  body.indicators.forEach(function (i) { counts[i.status] = (counts[i.status] || 0) + 1; });
  result.innerHTML = '<p class="ind-head"><b>' + esc(d.name) + "</b>（" + esc(d.adcode) + "）现状日期 " + esc(body.as_of) +
    "，环境质量年份 " + esc(body.quality_year) + "</p>" +
    '<p class="ind-counts">' + body.statuses.map(function (s) {
      return '<span class="ind-status ind-' + STATUS_CLASS[s] + '">' + esc(s) + " " + (counts[s] || 0) + "</span>";
    }).join(" ") + "</p>" +
    '<div id="ind-chart" class="ind-chart" role="img" aria-label="百分比指标现值与目标"></div>' +
    '<p class="ind-legend muted"><span class="swatch-value"></span>现值 <span class="swatch-target"></span>规划目标</p>' +
    '<table class="indicators"><thead><tr><th>指标</th><th>现值</th><th>规划目标</th><th>状态</th></tr></thead><tbody>' +
    body.indicators.map(rowHTML).join("") + "</tbody></table>" +
    '<p class="muted">面积为椭球面积；目标摘自规划文本（来源见 GET /indicators 的 target.source）。</p>';
  drawChart(document.getElementById("ind-chart"), body.indicators);
}

function load() {
  const select = document.getElementById("ind-division");
  const adcode = select.value;
  const result = document.getElementById("ind-result");
  if (!adcode) { result.innerHTML = '<p class="muted">地图中心不在已加载的行政区内。</p>'; return Promise.resolve(); }
  const key = adcode + "|" + state.asOf;
  shown = key;
  result.innerHTML = '<p class="muted">正在计算指标…</p>';
  return getJSON(divisionsCollection().meta.path + "?admin=" + encodeURIComponent(adcode) + "&as_of=" + encodeURIComponent(state.asOf)).then(function (body) {
    if (shown !== key) return;  // another division or date was asked meanwhile
    state.indicators = body;
    render(body);
  }).catch(function (err) {
    if (shown === key) result.innerHTML = '<p class="error">无法计算指标：' + esc(err.message) + "</p>";
  });
}

// The collection whose features the indicators are computed for (the divisions).
function divisionsCollection() {
  const id = Object.keys(state.collections).find(function (k) { return state.collections[k].indicators; });
  return id ? { id: id, meta: state.collections[id].indicators } : null;
}

// The divisions at the map's centre (province, city, county), smallest first.
function loadDivisions() {
  const divisions = divisionsCollection();
  const select = document.getElementById("ind-division");
  if (!divisions) { select.innerHTML = ""; return Promise.resolve(); }
  const code = divisions.meta.code_field;
  const c = map.getCenter();
  const e = 1e-4;
  const bbox = [c.lng - e, c.lat - e, c.lng + e, c.lat + e].map(function (v) { return v.toFixed(6); }).join(",");
  const before = select.value;
  return getJSON("/collections/" + encodeURIComponent(divisions.id) + "/items?bbox=" + bbox + "&limit=10&properties=" +
      encodeURIComponent(code) + ",name,level&datetime=" +
      encodeURIComponent(state.asOf)).then(function (fc) {
    const order = { county: 0, city: 1, province: 2 };
    const found = (fc.features || []).map(function (f) { return f.properties; })
      .sort(function (a, b) { return (order[a.level] ?? 3) - (order[b.level] ?? 3); });
    select.innerHTML = found.map(function (p) {
      return '<option value="' + esc(p[code]) + '">' + esc(p.name) + "（" + esc(LEVELS[p.level] || p.level || "") + "）</option>";
    }).join("");
    if (found.some(function (p) { return p[code] === before; })) select.value = before;
  }).catch(function () { select.innerHTML = ""; });
}

function refresh() { return loadDivisions().then(load); }

export function initIndicators() {
  onTabShown("indicators", refresh);
  document.getElementById("ind-division").addEventListener("change", load);
  document.getElementById("ind-refresh").addEventListener("click", refresh);
  document.getElementById("as-of").addEventListener("change", function () {
    if (document.getElementById("tab-indicators").classList.contains("active")) load();
  });
}
