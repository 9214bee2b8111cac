/* Place search: names and codes in the collections, or typed coordinates (/web/search);
 * a hit flies the map there and outlines the feature. */

import { getJSON } from "./api.js";
import { esc, textEl } from "./escape.js";
import { state } from "./state.js";
import { flashLayer, map } from "./view.js";

const searchInput = document.getElementById("search");
const resultsEl = document.getElementById("search-results");
let searchTimer = null;
let searchResults = [];
let searchMarker = null;

function runSearch() {
  const q = searchInput.value.trim();
  if (!q) { resultsEl.hidden = true; return Promise.resolve([]); }
  const path = "/web/search?q=" + encodeURIComponent(q) + "&near_lon=" + map.getCenter().lng.toFixed(4) +
    "&datetime=" + encodeURIComponent(state.asOf);
  return getJSON(path).then(function (body) {
    searchResults = body.results || [];
    if (!searchResults.length) {
      resultsEl.innerHTML = '<li class="muted">无结果</li>';
    } else {
      resultsEl.innerHTML = searchResults.map(function (r, i) {
        return '<li data-i="' + i + '">' + esc(r.name) + '<div class="sub">' +
          esc(r.kind === "point" ? "坐标 · " + r.how : r.collection_title + (r.code ? " · " + r.code : "")) + "</div></li>";
      }).join("");
    }
    resultsEl.hidden = false;
    return searchResults;
  }).catch(function (err) {
    resultsEl.innerHTML = '<li class="muted">' + esc(err.message) + "</li>";
    resultsEl.hidden = false;
    return [];
  });
}

function flyTo(r) {
  resultsEl.hidden = true;
  flashLayer.clearLayers();
  if (searchMarker) { map.removeLayer(searchMarker); searchMarker = null; }
  if (r.kind === "point") {
    searchMarker = L.circleMarker([r.point[1], r.point[0]], { pane: "project", radius: 7, color: "#ff6f00", weight: 3, fillOpacity: 0.2 })
      .bindTooltip(textEl(r.name)).addTo(map);
    map.flyTo([r.point[1], r.point[0]], Math.max(map.getZoom(), 14), { duration: 0.6 });
    return;
  }
  const b = r.bbox;
  map.flyToBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: 15, duration: 0.6 });
  getJSON("/collections/" + encodeURIComponent(r.collection) + "/items/" + r.feature_id).then(function (f) {
    flashLayer.addData(f);
  }).catch(function () {});
}

export function initSearch() {
  searchInput.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 300);
  });
  document.getElementById("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearTimeout(searchTimer);
    runSearch().then(function (rs) { if (rs.length) flyTo(rs[0]); });
  });
  resultsEl.addEventListener("click", function (ev) {
    const li = ev.target.closest("li[data-i]");
    if (li) flyTo(searchResults[Number(li.dataset.i)]);
  });
  document.addEventListener("click", function (ev) {
    if (!ev.target.closest("#search-form")) resultsEl.hidden = true;
  });
}
