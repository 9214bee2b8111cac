/* Feature popups: the attribute table (labels from the collection's fields), a station's readings chart (series.js), the
 * 生态环境准入清单 section (clause by clause from the collection's `clauses_path` when
 * its lists are loaded, else its `entry_list` fields), the status timeline of a
 * collection with a `lifecycle`, the release, and the source attributes once the full
 * feature has arrived. Every value is escaped. */

import { getJSON } from "./api.js";
import { clausesHTML, loadClauses } from "./clauses.js";
import { esc } from "./escape.js";
import { timelineHTML } from "./lifecycle.js";
import { mountSeries, seriesHTML } from "./series.js";
import { state } from "./state.js";
import { map } from "./view.js";

function valueHTML(v) {
  if (Array.isArray(v)) return esc(v.join("、"));
  return esc(v);
}

function releaseHTML(rel) {
  if (!rel) return "";
  return '<div class="release"><b>数据版本</b> ' + esc(rel.name) +
    (rel.synthetic ? ' <span class="tag-synthetic">演示合成数据</span>' : "") +
    "<br>来源：" + esc(rel.source || "未注明") +
    "<br>生效日期：" + esc(rel.valid_from) + (rel.valid_to ? " 至 " + esc(rel.valid_to) : " 起") +
    (rel.licence ? "<br>许可：" + esc(rel.licence) : "") + "</div>";
}

function popupHTML(id, props, rel, extra, clauses, timeline) {
  const meta = state.collections[id] || { fields: [], title: id };
  const fields = meta.fields || [];
  const entryNames = meta.entry_list || [];
  let html = '<div class="popup"><h4>' + esc(meta.title) + "：" + esc(props.name || props.code || "") + "</h4><table>";
  fields.forEach(function (f) {
    const v = props[f.name];
    if (v == null || v === "" || entryNames.indexOf(f.name) >= 0) return;
    const label = f.value_labels && f.value_labels[v] ? f.value_labels[v] : null;
    html += "<tr><th>" + esc(f.label) + "</th><td>" + (label ? esc(label) : valueHTML(v)) + "</td></tr>";
  });
  if (props.area_m2) html += "<tr><th>面积</th><td>" + (props.area_m2 / 1e6).toFixed(3) + " km²</td></tr>";
  if (props.synthetic) html += '<tr><th>数据性质</th><td><span class="tag-synthetic">演示合成数据</span></td></tr>';
  if (extra && extra.derived) html += "<tr><th>数据性质</th><td>" + esc(extra.derived) + "</td></tr>";
  html += "</table>";
  if (clauses) {
    html += clauses;
  } else if (entryNames.length) {
    html += '<div class="entry-list"><b>生态环境准入清单</b>';
    entryNames.forEach(function (name) {
      const field = fields.find(function (f) { return f.name === name; });
      const v = props[name];
      html += "<h5>" + esc(field ? field.label : name) + "</h5><p>" +
        (v == null || v === "" || (Array.isArray(v) && !v.length) ? '<span class="muted">—</span>' : valueHTML(v)) + "</p>";
    });
    html += "</div>";
  }
  html += timeline || "";
  html += seriesHTML(id, props);
  html += releaseHTML(rel);
  if (extra && Object.keys(extra).length) {
    html += "<details><summary>原始属性</summary><table>";
    Object.keys(extra).forEach(function (k) { html += "<tr><th>" + esc(k) + "</th><td>" + valueHTML(extra[k]) + "</td></tr>"; });
    html += "</table></details>";
  }
  return html + "</div>";
}

export function openPopup(id, feature, latlng) {
  const e = state.entries[id];
  const rel = e && e.release;
  const popup = L.popup({ maxWidth: 380, minWidth: 240, autoPanPadding: [20, 20] }).setLatLng(latlng)
    .setContent(popupHTML(id, feature.properties, rel, null)).openOn(map);
  mountSeries(popup.getElement(), id, feature.properties);
  let full = null, clauses = "", timeline = "";
  function show() {
    const props = full ? full.properties : feature.properties;
    popup.setContent(popupHTML(id, props, rel, full ? full.properties.source_properties : null, clauses, timeline));
    mountSeries(popup.getElement(), id, props);
  }
  timelineHTML(id, feature.properties.code).then(function (t) {
    timeline = t || "";
    if (timeline) show();
  }).catch(function () { /* no timeline */ });
  getJSON("/collections/" + encodeURIComponent(id) + "/items/" + encodeURIComponent(feature.id)).then(function (f) {
    full = f;
    show();
  }).catch(function () { /* the first content stays */ });
  loadClauses(state.collections[id], feature.properties, state.asOf).then(function (body) {
    clauses = clausesHTML(body);
    if (clauses) show();
  }).catch(function (err) { console.warn("entry list: " + err.message); }); // the fields stay shown
}
