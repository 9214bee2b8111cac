/* A feature's 生态环境准入清单 clause by clause (its collection's `clauses_path`, e.g. a
 * control unit's list with its province's and city's): grouped by level, then by the four
 * dimensions, each clause with its number and verbatim text. Every value is escaped. */

import { getJSON } from "./api.js";
import { esc } from "./escape.js";

const EMPTY_DIMENSION = "（本级清单未列该维度条款）";

// The clauses of a feature, or null when its collection has no clause list (or no code).
export function loadClauses(meta, props, asOf) {
  if (!meta || !meta.clauses_path || !props || !props.code) return Promise.resolve(null);
  const path = meta.clauses_path.replace("{code}", encodeURIComponent(props.code));
  return getJSON(path + "?as_of=" + encodeURIComponent(asOf));
}

function clauseHTML(c) {
  return '<p class="clause"><span class="clause-no">' + esc(c.clause_no) + ".</span> " + esc(c.text) +
    (c.source ? '<span class="citation">出处：' + esc(c.source) + "</span>" : "") +
    (c.synthetic ? ' <span class="tag-synthetic">演示合成数据</span>' : "") + "</p>";
}

// The grouped clauses as markup ("" when no list is in force: the popup keeps its fields).
export function clausesHTML(body) {
  const levels = (body && body.levels) || [];
  if (!levels.length) return "";
  let html = '<div class="entry-list entry-clauses"><b>生态环境准入清单</b>' +
    '<span class="muted">（共 ' + esc(body.clause_count) + " 条，现状日期 " + esc(body.as_of) + "）</span>";
  levels.forEach(function (lv) {
    html += '<section class="clause-level" data-level="' + esc(lv.level) + '"><h5>' + esc(lv.level_title) + "：" +
      esc(lv.scope_name || lv.scope) + ' <span class="muted">' + esc(lv.release) + "</span></h5>";
    (lv.dimensions || []).forEach(function (d) {
      html += '<div class="clause-dimension" data-dimension="' + esc(d.dimension) + '"><h6>' + esc(d.title) + "</h6>" +
        (d.clauses && d.clauses.length ? d.clauses.map(clauseHTML).join("") : '<p class="muted">' + EMPTY_DIMENSION + "</p>") +
        "</div>";
    });
    html += "</section>";
  });
  return html + "</div>";
}
