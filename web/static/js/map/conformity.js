/* The screening panel's 符合性分析 tab: the screening's `conformity` block as the tables EIA
 * reports lay out (one per list: 管控维度 | 管控要求（原文） | 本项目情况 | 符合性), with
 * filters 全部 / 不符合 / 需人工核实. Every value is escaped. */

import { url } from "./api.js";
import { esc } from "./escape.js";

const JUDGEMENT_CLASSES = { "符合": "pass", "不符合": "deny", "不涉及": "na", "需人工核实": "manual" };
const FILTERS = [["all", "全部"], ["不符合", "不符合"], ["需人工核实", "需人工核实"]];
const EMPTY_DIMENSION = "（本级清单未列该维度条款）";

function heading(group) {
  if (group.level === "unit") {
    const unit = group.unit || {};
    const parts = [group.scope];
    if (unit.unit_class) parts.push(unit.unit_class);
    if (unit.share != null) parts.push("占项目 " + (unit.share * 100).toFixed(1) + "%");
    return "环境管控单元：" + (group.scope_name || unit.name || "") + "（" + parts.join("，") + "）";
  }
  return group.level_title + "生态环境准入要求：" + (group.scope_name || group.scope) + "（" + group.scope + "）";
}

function rowHTML(title, c) {
  const cls = JUDGEMENT_CLASSES[c.judgement] || "unknown";
  return '<tr class="conformity-row" data-judgement="' + esc(c.judgement) + '"><td>' + esc(title) + "</td><td>" +
    esc(c.clause_no) + ". " + esc(c.text) + (c.source ? '<div class="citation">出处：' + esc(c.source) + "</div>" : "") +
    (c.synthetic ? '<div class="citation">演示合成数据</div>' : "") + "</td><td>" + esc(c.finding || "") +
    '</td><td><span class="judgement judgement-' + cls + '">' + esc(c.judgement) + "</span></td></tr>";
}

function tableHTML(group) {
  let rows = "";
  (group.dimensions || []).forEach(function (d) {
    const clauses = d.clauses || [];
    if (!clauses.length) rows += '<tr class="conformity-row" data-judgement=""><td>' + esc(d.title) + "</td><td>" + EMPTY_DIMENSION + "</td><td>—</td><td>—</td></tr>";
    clauses.forEach(function (c) { rows += rowHTML(d.title, c); });
  });
  return '<section class="conformity-list" data-level="' + esc(group.level) + '"><h3>' + esc(heading(group)) +
    ' <span class="muted">' + esc(group.release || "") + "</span></h3>" +
    '<table class="conformity-table"><thead><tr><th>管控维度</th><th>管控要求（原文）</th><th>本项目情况</th><th>符合性</th></tr></thead><tbody>' +
    rows + "</tbody></table></section>";
}

// The 三线一单 conclusions (red line, quality floor, resource ceiling, entry lists) the reports
// open the chapter with: one row each, never filtered away.
function threeLinesHTML(lines) {
  if (!lines || !lines.length) return "";
  return '<section class="three-lines"><h3>“三线一单”符合性结论</h3><table class="three-lines-table">' +
    "<thead><tr><th>三线一单</th><th>本项目情况</th><th>符合性</th></tr></thead><tbody>" +
    lines.map(function (l) {
      const cls = JUDGEMENT_CLASSES[l.judgement] || "unknown";
      return '<tr data-line="' + esc(l.line) + '"><td>' + esc(l.title) + "</td><td>" + esc(l.finding || "") +
        '</td><td><span class="judgement judgement-' + cls + '">' + esc(l.judgement) + "</span></td></tr>";
    }).join("") + "</tbody></table></section>";
}

function applyFilter(box, filter) {
  box.querySelectorAll(".conformity-filters button").forEach(function (b) { b.classList.toggle("active", b.dataset.filter === filter); });
  let shown = 0;
  box.querySelectorAll(".conformity-list").forEach(function (list) {
    let visible = 0;
    list.querySelectorAll("tr.conformity-row").forEach(function (tr) {
      tr.hidden = filter !== "all" && tr.dataset.judgement !== filter;
      if (!tr.hidden) visible++;
    });
    list.hidden = visible === 0;
    shown += visible;
  });
  box.querySelector(".conformity-none").hidden = shown > 0;
}

// A one-line summary of the block for the screening result ("" when there is none).
export function conformitySummary(s) {
  const c = s && s.conformity;
  if (!c) return "";
  const counts = c.summary || {};
  return Object.keys(counts).map(function (k) { return k + " " + counts[k] + " 条"; }).join("；");
}

export function renderConformity(s) {
  const box = document.getElementById("conformity-result");
  const c = s && s.conformity;
  if (!s) { box.innerHTML = '<p class="muted">完成一次筛查后，这里按管控单元列出准入清单的逐条符合性分析。</p>'; return; }
  if (!c) { box.innerHTML = '<p class="muted">本次筛查未记录准入清单符合性分析。</p>'; return; }
  const counts = c.summary || {};
  let html = '<div class="conformity-head"><b>' + esc(s.name || "") + "</b> · 与“三线一单”生态环境分区管控符合性分析<br>" +
    esc(conformitySummary(s) || "—") + ' <a href="' + url("/screenings/" + encodeURIComponent(s.id) + "/conformity.xlsx") + '">下载 Excel</a></div>';
  if (c.synthetic) html += '<div class="warnings">部分准入清单条款为演示用合成数据（synthetic），不得用于实际审批。</div>';
  (c.warnings || []).forEach(function (w) { html += '<div class="warnings">' + esc(w) + "</div>"; });
  html += threeLinesHTML(c.three_lines);
  html += '<div class="conformity-filters" role="group" aria-label="按符合性筛选">' + FILTERS.map(function (f) {
    const n = f[0] === "all" ? "" : "（" + (counts[f[0]] || 0) + "）";
    return '<button type="button" data-filter="' + esc(f[0]) + '">' + esc(f[1]) + n + "</button>";
  }).join("") + "</div>";
  html += (c.lists || []).map(tableHTML).join("");
  html += '<p class="muted conformity-none" hidden>没有符合筛选条件的条款。</p>';
  box.innerHTML = html;
  box.querySelectorAll(".conformity-filters button").forEach(function (b) {
    b.addEventListener("click", function () { applyFilter(box, b.dataset.filter); });
  });
  applyFilter(box, "all");
}
