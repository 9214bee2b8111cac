/* A feature's readings as a time-series chart in its popup, for a collection whose
 * metadata has `readings` (the stations: GET /stations/{code}/readings?interval=day|month;
 * uPlot, vendored: window.uPlot).
 * Daily values cover the year before the as-of date, monthly ones five years; a day
 * without a valid mean (GB 3095: < 20 hours) is a gap, not a zero. */

import { getJSON } from "./api.js";
import { esc } from "./escape.js";
import { state } from "./state.js";

const INTERVALS = { day: "日均值（近一年）", month: "月均值（近五年）" };

const chosen = {};  // station code -> { parameter, interval } the reader picked
const cache = {};   // "code|parameter|interval|as_of" -> Promise of the series body
const charts = new WeakMap();  // chart element -> its uPlot

// The collection's readings metadata ({ path, medium_field, parameters by medium }), when
// this feature has readings to chart; else null.
function readingsOf(id, props) {
  const meta = state.collections[id];
  const r = meta && meta.readings;
  if (!r || !props || !props.code) return null;
  const parameters = r.parameters[props[r.medium_field]];
  return parameters && parameters.length ? { path: r.path, parameters: parameters } : null;
}

function pick(props, r) {
  return chosen[props.code] || { parameter: r.parameters[0], interval: "day" };
}

// The popup's placeholder for the chart ("" for anything that is not a station with readings).
export function seriesHTML(id, props) {
  const r = readingsOf(id, props);
  if (!r) return "";
  const p = pick(props, r);
  return '<div class="station-series" data-code="' + esc(props.code) + '"><b>监测数据</b><div class="series-form">' +
    '<select class="series-parameter" aria-label="监测项目">' + r.parameters.map(function (name) {
      return "<option" + (name === p.parameter ? " selected" : "") + ">" + esc(name) + "</option>";
    }).join("") + '</select><select class="series-interval" aria-label="时间尺度">' + Object.keys(INTERVALS).map(function (k) {
      return '<option value="' + k + '"' + (k === p.interval ? " selected" : "") + ">" + INTERVALS[k] + "</option>";
    }).join("") + '</select></div><div class="series-chart" role="img" aria-label="监测数据时间序列"></div>' +
    '<p class="series-note muted">加载中…</p></div>';
}

function range(interval) {
  const end = new Date(state.asOf + "T00:00:00Z");
  const start = new Date(end);
  start.setUTCFullYear(end.getUTCFullYear() - (interval === "day" ? 1 : 5));
  return [start.toISOString().slice(0, 10), state.asOf];
}

function fetchSeries(path, code, parameter, interval) {
  const key = [code, parameter, interval, state.asOf].join("|");
  if (!cache[key]) {
    const r = range(interval);
    cache[key] = getJSON(path.replace("{code}", encodeURIComponent(code)) + "?parameter=" + encodeURIComponent(parameter) +
      "&interval=" + interval + "&from=" + r[0] + "&to=" + r[1]);
    cache[key].catch(function () { delete cache[key]; });
  }
  return cache[key];
}

function draw(box, body) {
  const el = box.querySelector(".series-chart");
  const note = box.querySelector(".series-note");
  const old = charts.get(el);
  if (old) old.destroy();
  const values = body.values || [];
  const valid = values.filter(function (v) { return v.value != null; }).length;
  note.textContent = valid ? body.parameter + "（" + body.unit + "），" + valid + " 个有效值" : "该时段无监测数据";
  box.dataset.points = String(valid);
  if (!valid || !window.uPlot) return;
  const xs = values.map(function (v) { return Date.parse(v.time) / 1000; });
  const ys = values.map(function (v) { return v.value; });
  charts.set(el, new window.uPlot({
    width: 300, height: 150, legend: { show: false }, cursor: { show: true },
    scales: { x: { time: true } },
    axes: [{ size: 30, font: "10px sans-serif" }, { size: 40, font: "10px sans-serif" }],
    series: [{}, { label: body.parameter, stroke: "#1565c0", width: 1.5, spanGaps: false, points: { show: values.length < 60 } }],
  }, [xs, ys], el));
}

// Draw the chart into an opened popup's placeholder (again after each re-render).
export function mountSeries(container, id, props) {
  const r = readingsOf(id, props);
  if (!container || !r) return;
  const box = container.querySelector(".station-series");
  if (!box) return;
  const p = pick(props, r);
  function reload() {
    const parameter = box.querySelector(".series-parameter").value;
    const interval = box.querySelector(".series-interval").value;
    chosen[props.code] = { parameter: parameter, interval: interval };
    fetchSeries(r.path, props.code, parameter, interval).then(function (body) {
      if (box.isConnected) draw(box, body);
    }).catch(function (err) {
      box.querySelector(".series-note").textContent = "无法加载监测数据：" + err.message;
    });
  }
  box.querySelector(".series-parameter").addEventListener("change", reload);
  box.querySelector(".series-interval").addEventListener("change", reload);
  box.querySelector(".series-parameter").value = p.parameter;
  reload();
}
