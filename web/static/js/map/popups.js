/* Feature popups: what lies under a click (hits.js) listed, and for the feature picked
 * (outlined on the map) the attribute table (labels from the collection's fields), a
 * station's readings chart (series.js), the 生态环境准入清单 section (clause by clause from
 * the collection's `clauses_path` when its lists are loaded, else its `entry_list` fields),
 * the status timeline of a collection with a `lifecycle`, the release, and the source
 * attributes once the full feature has arrived. Every value is escaped. */

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

// A collection's title and a feature's name, for the list of what lies under a click.
function hitLabel(hit) {
  const meta = state.collections[hit.id] || { title: hit.id };
  const props = hit.feature.properties || {};
  return esc(meta.title) + "：" + esc(props.name || props.code || "（未命名）");
}

function listHTML(hits) {
  return '<nav class="popup-hits" aria-label="点击处的要素"><p class="muted">此处有 ' + hits.length +
    " 个要素（点、线在前，面按范围从小到大）：</p><ol>" + hits.map(function (h, i) {
      return '<li><button type="button" data-hit="' + i + '">' + hitLabel(h) + "</button></li>";
    }).join("") + "</ol></nav>";
}

// the feature whose details the popup shows, outlined on the map
const highlight = L.geoJSON(null, {
  pane: "evidence", interactive: false,
  style: { color: "#ff6f00", weight: 3, fill: false, dashArray: "4 3" },
  pointToLayer: function (f, latlng) {
    return L.circleMarker(latlng, { pane: "evidence", interactive: false, radius: 9, color: "#ff6f00", weight: 3, fill: false });
  },
}).addTo(map);

// One feature's details in `box` (the popup's detail part); the full feature, its clauses and
// timeline follow as they arrive, unless `current()` says another feature was picked meanwhile.
function showDetail(popup, box, id, feature, current) {
  const e = state.entries[id];
  const rel = e && e.release;
  let full = null, clauses = "", timeline = "";
  function show() {
    if (!current()) return;
    const props = full ? full.properties : feature.properties;
    box.innerHTML = popupHTML(id, props, rel, full ? full.properties.source_properties : null, clauses, timeline);
    mountSeries(box, id, props);
    popup.update();
  }
  show();
  highlight.clearLayers();
  highlight.addData(feature);
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

/* The popup of what lies under a click: `hits` ([{ id, feature }], the most specific first,
 * hits.js) listed when there are several, with the first one's details; picking another in
 * the list shows its details instead. */
export function openPopupAt(hits, latlng) {
  if (!hits.length) return;
  const box = document.createElement("div");
  box.className = "popup-box";
  if (hits.length > 1) box.innerHTML = listHTML(hits);
  const detail = document.createElement("div");
  detail.className = "popup-detail";
  box.appendChild(detail);
  const popup = L.popup({ maxWidth: 380, minWidth: 240, autoPanPadding: [20, 20] }).setLatLng(latlng)
    .setContent(box).openOn(map);
  let shown = 0;
  function select(i) {
    const ticket = ++shown;
    box.querySelectorAll("[data-hit]").forEach(function (b) {
      const on = Number(b.dataset.hit) === i;
      b.classList.toggle("active", on);
      b.setAttribute("aria-current", on ? "true" : "false");
    });
    showDetail(popup, detail, hits[i].id, hits[i].feature, function () { return ticket === shown && map.hasLayer(popup); });
  }
  box.addEventListener("click", function (ev) {
    const b = ev.target.closest("[data-hit]");
    if (b) select(Number(b.dataset.hit));
  });
  popup.on("remove", function () { highlight.clearLayers(); });
  select(0);
}
