/* What a screening could not check: the amber banner (layers without data at the project,
 * facts the request lacked) and the key of outcomes with their counts. */

import { FACT_LABELS, OUTCOMES } from "./config.js";
import { esc } from "./escape.js";

export function factLabel(name) { return FACT_LABELS[name] || name; }

// The banner when `completeness.complete` is false (empty otherwise): a verdict without
// it must never read as a clean PASS.
export function completenessBanner(s) {
  const c = s.completeness;
  if (!c || c.complete !== false) return "";
  const layers = c.not_checked || [];
  const facts = c.missing_facts || [];
  let html = '<div id="completeness-banner" class="completeness" role="alert"><b>本次筛查不完整</b>';
  if (layers.length) {
    html += "：以下图层在项目所在地无数据或不覆盖项目：<ul>" + layers.map(function (n) {
      return '<li data-collection="' + esc(n.collection) + '"><b>' + esc(n.title || n.collection) + "</b>：" + esc(n.text || "") + "</li>";
    }).join("") + "</ul>";
  }
  if (facts.length) {
    html += '<p class="missing-facts">项目未提供：' + facts.map(function (f) { return esc(factLabel(f)); }).join("、") + "</p>";
  }
  return html + '<p class="muted">相关规则标为「未核查」，结论须人工核实。</p></div>';
}

// The outcomes of the results with their counts, in their colours (the legend of outcomes).
export function outcomeKey(results) {
  const counts = {};
  (results || []).forEach(function (r) { counts[r.outcome] = (counts[r.outcome] || 0) + 1; });
  const keys = Object.keys(OUTCOMES).filter(function (o) { return counts[o]; });
  if (!keys.length) return "";
  return '<div id="outcome-key" class="outcome-key">' + keys.map(function (o) {
    return '<span class="badge outcome-' + OUTCOMES[o][1] + '" title="' + esc(o) + '">' + esc(OUTCOMES[o][0]) +
      " " + counts[o] + "</span>";
  }).join("") + "</div>";
}
