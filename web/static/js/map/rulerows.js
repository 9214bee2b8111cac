/* A screening's rule rows: outcome badge, rule (linked to its page), jurisdiction,
 * citation, measures, why it was not checked, and the evidence. */

import { url } from "./api.js";
import { OUTCOMES } from "./config.js";
import { esc } from "./escape.js";
import { state } from "./state.js";

export function fmtMetres(m) {
  if (m == null || isNaN(m)) return "";
  return m >= 1000 ? (m / 1000).toFixed(2) + " km" : Math.round(m) + " m";
}

// A collection /collections lists, or, for a mixed one read through its views (water_bodies),
// its views' group (e.g. 水体).
function collectionTitle(id) {
  const meta = state.collections[id];
  if (meta) return meta.title;
  const view = Object.values(state.collections).find(function (c) { return c.stored_in === id; });
  return view ? view.group : id;
}

// The city's attainment figures an attainment rule judged on (no feature to point at).
function qualityText(ev) {
  const where = "城市 " + ev.city + " · " + ev.year + "年";
  const text = ev.medium === "air"
    ? "环境空气 " + ev.parameter + "（" + ev.statistic + "）" + (ev.value == null ? "—" : ev.value + " " + ev.unit) +
      "，限值 " + ev.limit + " " + ev.unit + "，" + ev.status
    : "地表水考核断面 " + ev.target_met + "/" + ev.with_target + " 个达到目标";
  return [text, where, ev.standard].concat(ev.synthetic ? ["演示合成监测数据"] : []).join(" · ");
}

function evidenceText(ev) {
  if (ev.medium) return qualityText(ev);
  if (ev.raster !== undefined && ev.stat) return ev.layer + " " + ev.stat + " = " + ev.value;
  const parts = [collectionTitle(ev.collection), ev.name || ("#" + ev.feature_id)];
  if (ev.distance_m != null) {
    parts.push(ev.via ? "沿河上游 " + fmtMetres(ev.distance_m) + "（经 " + (ev.via.name || ("#" + ev.via.feature_id)) + "）"
                      : "距离 " + fmtMetres(ev.distance_m));
  }
  if (ev.overlap_m2) parts.push("重叠 " + (ev.overlap_m2 / 1e4).toFixed(2) + " 公顷" + (ev.overlap_ratio != null ? "（" + (ev.overlap_ratio * 100).toFixed(1) + "%）" : ""));
  return parts.join(" · ");
}

export function outcomeOf(code) { return OUTCOMES[code] || [code || "—", "unknown"]; }

// One rule's row; `i` is its index in the results (the evidence items point back to it).
export function ruleRow(r, i) {
  const o = outcomeOf(r.outcome);
  const c = r.citation || {};
  let html = '<div class="rule outcome-' + o[1] + '" data-rule="' + esc(r.rule_id) + '" data-outcome="' + esc(r.outcome) + '">' +
    '<span class="badge outcome-' + o[1] + '" title="' + esc(r.outcome) + '">' + esc(o[0]) + "</span><b>" + esc(r.title) + "</b>" +
    '<div class="rule-meta"><a class="rule-link" href="' + url("/rules/" + encodeURIComponent(r.rule_id)) + '" target="_blank" rel="noopener">' +
    esc(r.rule_id) + "</a>" + (r.jurisdiction ? '<span class="jurisdiction">适用范围：' + esc(r.jurisdiction) + "</span>" : "") + "</div>" +
    '<div class="citation">' + esc(c.document ? "《" + c.document.replace(/^《|》$/g, "") + "》" : "") + esc(c.article || "") + "</div>";
  if (r.outcome === "NOT_CHECKED" && r.reason && r.reason.text) {
    html += '<div class="reason">未核查原因：' + esc(r.reason.text) + "</div>";
  }
  if (r.measured_from) {
    html += '<div class="measured-from">量算起点：' + (r.measured_from === "outfall" ? "排污口" : "项目位置（未提供排污口）") + "</div>";
  }
  if (c.text) html += "<details><summary>条文</summary><p>" + esc(c.text) + "</p></details>";
  if (r.measures && (r.measures.length || typeof r.measures === "string")) {
    html += "<div><b>措施：</b>" + esc(Array.isArray(r.measures) ? r.measures.join("；") : r.measures) + "</div>";
  }
  if (r.evidence && r.evidence.length) {
    html += '<ul class="evidence">' + r.evidence.map(function (ev, j) {
      return '<li data-r="' + i + '" data-e="' + j + '">' + esc(evidenceText(ev)) + "</li>";
    }).join("") + "</ul>";
  }
  return html + "</div>";
}
