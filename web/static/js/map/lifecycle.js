/* Status histories and deadline views of the collections that have a `lifecycle` (排污口的 排查 → 监测 → 溯源 → 整治 → 销号): the popup's timeline, and a map view that
 * colours every feature by its progress against the deadlines on the as-of date
 * (整治进度: 已销号 / 推进中 / 逾期 / 未排查). Paths come from the collection's metadata. */

import { getJSON } from "./api.js";
import { esc } from "./escape.js";
import { state } from "./state.js";
import { map } from "./view.js";

export const PROGRESS = {
  done: { label: "已销号", color: "#2e7d32" },
  in_progress: { label: "推进中", color: "#f9a825" },
  overdue: { label: "逾期", color: "#c62828" },
  not_started: { label: "未排查", color: "#9e9e9e" },
};

function path(template, code) {
  return template.replace("{code}", encodeURIComponent(code));
}

// The popup's timeline of a feature with a lifecycle (a Promise of markup, "" without one).
export function timelineHTML(id, code) {
  const meta = state.collections[id];
  if (!meta || !meta.lifecycle || !code) return Promise.resolve("");
  return getJSON(path(meta.lifecycle.history, code) + "?as_of=" + encodeURIComponent(state.asOf)).then(function (h) {
    let html = '<div class="lifecycle"><b>查测溯治进展</b>（' + esc(h.as_of) + "：" +
      esc(h.current_stage || "未排查") + "）<ol class=\"timeline\">";
    h.events.forEach(function (e) {
      html += '<li data-stage="' + esc(e.stage) + '"><span class="when">' + esc(e.date) + "</span> <b>" + esc(e.stage) + "</b>" +
        (e.document ? " " + esc(e.document) : "") + (e.note ? '<br><span class="muted">' + esc(e.note) + "</span>" : "") +
        (e.synthetic ? ' <span class="tag-synthetic">演示合成数据</span>' : "") + "</li>";
    });
    if (!h.events.length) html += '<li class="muted">尚无记录</li>';
    html += "</ol>排查时限 " + esc(h.deadlines.survey.due) + "；整治时限 " + esc(h.deadlines.remediation.due) +
      '<br><span class="muted">依据：' + esc(h.deadlines.remediation.source) + "</span></div>";
    return html;
  }).catch(function () { return ""; });
}

const progressLayer = L.layerGroup();
let active = null;  // the collection whose progress is shown

function drawProgress() {
  if (!active) return Promise.resolve();
  const meta = state.collections[active];
  const shown = active;
  return getJSON(meta.lifecycle.deadlines + "?as_of=" + encodeURIComponent(state.asOf)).then(function (body) {
    if (active !== shown || body.as_of !== state.asOf) return;  // switched off or re-dated meanwhile
    progressLayer.clearLayers();
    const counts = { done: 0, in_progress: 0, overdue: 0, not_started: 0 };
    body.items.forEach(function (o) {
      counts[o.progress] += 1;
      const p = PROGRESS[o.progress];
      L.circleMarker([o.lat, o.lon], {
        pane: "evidence", radius: 6, color: "#fff", weight: 1, fillColor: p.color, fillOpacity: 0.95,
        className: "progress-marker progress-" + o.progress,
      }).bindTooltip(document.createTextNode(o.code + " " + (o.name || "") + "：" + p.label + "（" + (o.stage || "未排查") + "）"))
        .addTo(progressLayer);
    });
    state.progress = { as_of: body.as_of, counts: counts, totals: body.totals };
    const legend = document.getElementById("progress-legend");
    if (legend) {
      legend.innerHTML = Object.keys(PROGRESS).map(function (k) {
        return '<div><span class="swatch point progress-' + k + '"></span> ' + esc(PROGRESS[k].label) + " " + counts[k] + "</div>";
      }).join("") + '<div class="muted">' + esc(body.as_of) + "，时限：排查 2023-12-31，整治 2023/2025-12-31</div>";
    }
  });
}

// The as-of date changed: redraw the view when it is shown.
export function refreshProgress() { return drawProgress(); }

const Toggle = L.Control.extend({
  options: { position: "topright" },
  onAdd: function () {
    const div = L.DomUtil.create("div", "map-legend progress-control");
    L.DomEvent.disableClickPropagation(div);
    return div;
  },
});

// A toggle per collection with a lifecycle (after /collections has loaded).
export function initProgress() {
  const ids = Object.keys(state.collections).filter(function (id) { return state.collections[id].lifecycle; });
  if (!ids.length) return;
  const div = new Toggle().addTo(map).getContainer();
  div.innerHTML = ids.map(function (id) {
    return '<label><input type="checkbox" data-progress="' + esc(id) + '"> ' + esc(state.collections[id].title) + "整治进度</label>";
  }).join("") + '<div id="progress-legend"></div>';
  div.querySelectorAll("input[data-progress]").forEach(function (box) {
    box.addEventListener("change", function () {
      div.querySelectorAll("input[data-progress]").forEach(function (other) { if (other !== box) other.checked = false; });
      active = box.checked ? box.dataset.progress : null;
      progressLayer.clearLayers();
      document.getElementById("progress-legend").innerHTML = "";
      state.progress = null;
      if (active) { progressLayer.addTo(map); drawProgress(); } else { progressLayer.remove(); }
    });
  });
}
