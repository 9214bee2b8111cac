/* The reviewer's map: layers from /collections (bbox-limited GeoJSON, reloaded on moveend),
 * popups with releases, "as of" date, search, project drawing/upload, screening, history.
 * Only this server is contacted; every library is vendored under /static/vendor. */
(function () {
  "use strict";

  var mapEl = document.getElementById("map");
  var ROOT = mapEl.dataset.root || "";
  var PHONE = window.matchMedia("(max-width: 700px)");

  /* ---------- configuration ---------- */

  // Layers are bbox-limited GeoJSON pages, reloaded on moveend, with a minimum zoom for the
  // heavy ones. When vector tiles (issue 5, /collections/{id}/tiles/WebMercatorQuad/{z}/{x}/{y})
  // land, makeEntry()/layerSource() are the one place to switch to Leaflet.VectorGrid.
  var PAGE_LIMIT = 4000;
  var DEFAULT_ON = ["admin_divisions", "water_bodies", "red_lines", "control_units", "drinking_water_zones", "ecological_spaces"];
  var MIN_ZOOM = {
    control_units: 9, enterprises: 10, outfalls: 9, farmland_zones: 9,
    industrial_parks: 8, wetlands: 7, ecological_spaces: 7, monitoring_stations: 6,
  };
  var POINT = { radius: 5, weight: 1.5, fillOpacity: 0.85 };
  // Style by class: `field` picks the class, `classes` maps value -> colour.
  var STYLES = {
    red_lines: { color: "#b71c1c", fill: "#e53935", fillOpacity: 0.35 },
    ecological_spaces: { field: "control_level", fillOpacity: 0.3, classes: {
      "国家级生态保护红线": "#c2185b", "生态空间管控区域": "#7cb342" }, color: "#7cb342" },
    control_units: { field: "unit_class", fillOpacity: 0.35, weight: 1, classes: {
      "优先保护单元": "#2e7d32", "重点管控单元": "#ef6c00", "一般管控单元": "#5c9bd6" }, color: "#999" },
    drinking_water_zones: { field: "grade", fillOpacity: 0.4, classes: {
      "一级": "#0d47a1", "二级": "#1e88e5", "准保护区": "#90caf9" }, color: "#1e88e5" },
    wetlands: { color: "#00897b", fill: "#4db6ac", fillOpacity: 0.35 },
    water_bodies: { color: "#5b9bd5", fill: "#a9cfee", fillOpacity: 0.9, weight: 1 },
    monitoring_stations: { point: true, field: "medium", classes: {
      air: "#8e24aa", surface_water: "#0288d1", groundwater: "#5d4037", soil: "#795548",
      noise: "#fbc02d", marine: "#006064" }, color: "#8e24aa",
      labels: { air: "环境空气", surface_water: "地表水", groundwater: "地下水", soil: "土壤", noise: "噪声", marine: "海洋" } },
    outfalls: { point: true, color: "#6d4c41" },
    industrial_parks: { color: "#6a1b9a", fill: "#ba68c8", fillOpacity: 0.25, dashArray: "5 3" },
    enterprises: { point: true, field: "risk_grade", classes: {
      "一般": "#9e9d24", "较大": "#f57f17", "重大": "#b71c1c" }, color: "#616161" },
    farmland_zones: { color: "#9e7c0c", fill: "#e6c84f", fillOpacity: 0.3 },
    admin_divisions: { line: true, field: "level", classes: {
      province: "#444", city: "#777", county: "#aaa" }, color: "#888",
      weights: { province: 2.2, city: 1.4, county: 0.8 },
      labels: { province: "省界", city: "市界", county: "县界" } },
  };
  var ENTRY_LIST = [
    ["spatial_constraints", "空间布局约束"], ["emission_controls", "污染物排放管控"],
    ["risk_controls", "环境风险防控"], ["resource_efficiency", "资源开发效率要求"],
    ["banned_industries", "禁止类行业"], ["restricted_industries", "限制类行业"],
  ];
  var VERDICTS = {
    DENY: ["不予准入", "deny"], REQUIRE: ["有条件准入（须落实要求）", "require"],
    FLAG: ["需关注", "flag"], PASS: ["未发现冲突", "pass"],
  };

  /* ---------- state ---------- */

  var state = {
    asOf: todayISO(),
    collections: {},   // id -> collection metadata (from /collections)
    entries: {},       // id -> { meta, group, visible, loaded, abort, release, count, truncated }
    project: null,     // GeoJSON geometry of the project
    screening: null,
    timings: {},
    firstRenderDone: false,
  };
  window.ecozone = state; // for tests and the browser console

  function todayISO() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }
  function url(path) { return ROOT + path; }
  function esc(v) {
    return String(v == null ? "" : v).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  // Leaflet parses a string given to bindTooltip/bindPopup/setContent as HTML; data goes
  // in as a node whose text is set, never as markup.
  function textEl(text, tag) {
    var el = document.createElement(tag || "span");
    el.textContent = text == null ? "" : String(text);
    return el;
  }
  function getJSON(path, opts) {
    return fetch(url(path), opts || {}).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) {
          var err = new Error(body.detail || body.title || ("HTTP " + r.status));
          err.status = r.status; err.body = body; throw err;
        }
        return body;
      });
    });
  }
  function fmtMetres(m) {
    if (m == null || isNaN(m)) return "";
    return m >= 1000 ? (m / 1000).toFixed(2) + " km" : Math.round(m) + " m";
  }

  /* ---------- map ---------- */

  var map = L.map("map", {
    preferCanvas: true, zoomControl: true, attributionControl: true, minZoom: 3, maxZoom: 19,
    center: [32.0, 119.5], zoom: 7,
  });
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("底图：本系统行政区划与水体图层（离线）");
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  state.map = map;

  // panes keep the basemap-like layers under the regulatory ones and the project on top
  map.createPane("base").style.zIndex = 350;
  map.createPane("zones").style.zIndex = 400;
  map.createPane("points").style.zIndex = 450;
  map.createPane("evidence").style.zIndex = 620;
  map.createPane("project").style.zIndex = 640;

  var Coords = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd: function () {
      var div = L.DomUtil.create("div", "map-coords");
      div.id = "coords";
      div.textContent = "经度 —  纬度 —";
      return div;
    },
  });
  new Coords().addTo(map);
  map.on("mousemove", function (e) {
    document.getElementById("coords").textContent =
      "经度 " + e.latlng.lng.toFixed(5) + "°  纬度 " + e.latlng.lat.toFixed(5) + "°  缩放 " + map.getZoom();
  });

  var Legend = L.Control.extend({
    options: { position: "bottomright" },
    onAdd: function () {
      var div = L.DomUtil.create("div", "map-legend");
      div.id = "legend";
      if (PHONE.matches) div.classList.add("collapsed");
      L.DomEvent.disableScrollPropagation(div);
      L.DomEvent.disableClickPropagation(div);
      div.addEventListener("click", function (ev) {
        if (ev.target.tagName === "H4") div.classList.toggle("collapsed");
      });
      return div;
    },
  });
  new Legend().addTo(map);

  function classColor(id, props) {
    var s = STYLES[id] || {};
    if (s.field && s.classes && props && s.classes[props[s.field]]) return s.classes[props[s.field]];
    return s.color || "#555";
  }
  function featureStyle(id) {
    var s = STYLES[id] || {};
    return function (feature) {
      var c = classColor(id, feature && feature.properties);
      if (s.line) {
        var w = s.weights && feature ? s.weights[feature.properties[s.field]] : null;
        return { color: c, weight: w || 1, fill: false, dashArray: feature && feature.properties.level === "county" ? "3 3" : null };
      }
      return {
        color: s.field ? c : (s.color || c), weight: s.weight || 1.5,
        fillColor: s.field ? c : (s.fill || c), fillOpacity: s.fillOpacity == null ? 0.3 : s.fillOpacity,
        dashArray: s.dashArray || null,
      };
    };
  }
  function paneFor(id) {
    if (id === "admin_divisions" || id === "water_bodies") return "base";
    var meta = state.collections[id];
    return meta && meta.geometry_type === "POINT" ? "points" : "zones";
  }

  /* ---------- layers ---------- */

  function makeEntry(meta) {
    var id = meta.id;
    var pane = paneFor(id);
    var group = L.geoJSON(null, {
      pane: pane,
      style: featureStyle(id),
      pointToLayer: function (feature, latlng) {
        var c = classColor(id, feature.properties);
        return L.circleMarker(latlng, L.extend({ pane: pane, color: "#fff", fillColor: c }, POINT));
      },
      onEachFeature: function (feature, layer) {
        layer.on("click", function (e) { openPopup(id, feature, e.latlng); });
      },
    });
    return {
      meta: meta, group: group, visible: DEFAULT_ON.indexOf(id) >= 0,
      minZoom: MIN_ZOOM[id] || 0, loaded: null, abort: null, release: meta.release,
      count: 0, truncated: false,
    };
  }

  function layerSource(id, bounds) {
    // The single place that says where a layer's features come from.
    var b = bounds;
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    return "/collections/" + encodeURIComponent(id) + "/items?bbox=" + bbox + "&limit=" + PAGE_LIMIT +
      "&datetime=" + encodeURIComponent(state.asOf);
  }

  function clampBounds(b) {
    return L.latLngBounds(
      [Math.max(b.getSouth(), -85), Math.max(b.getWest(), -180)],
      [Math.min(b.getNorth(), 85), Math.min(b.getEast(), 180)]);
  }

  function loadLayer(id) {
    var e = state.entries[id];
    if (!e) return Promise.resolve();
    if (!e.visible) {
      if (map.hasLayer(e.group)) map.removeLayer(e.group);
      setStatus(id, "");
      return Promise.resolve();
    }
    if (!map.hasLayer(e.group)) e.group.addTo(map);
    if (map.getZoom() < e.minZoom) {
      e.group.clearLayers(); e.loaded = null;
      setStatus(id, "放大至 " + e.minZoom + " 级显示");
      return Promise.resolve();
    }
    var view = map.getBounds();
    if (e.loaded && e.loaded.asOf === state.asOf && e.loaded.bounds.contains(view) && !e.truncated) {
      return Promise.resolve();
    }
    if (e.pending && e.pending.asOf === state.asOf && e.pending.bounds.contains(view)) return e.pending.promise;
    if (e.abort) e.abort.abort();
    var ctrl = new AbortController();
    e.abort = ctrl;
    var bounds = clampBounds(view.pad(0.3));
    setStatus(id, "加载中…");
    var pending = { asOf: state.asOf, bounds: bounds };
    e.pending = pending;
    pending.promise = getJSON(layerSource(id, bounds), { signal: ctrl.signal }).then(function (fc) {
      if (ctrl.signal.aborted) return;
      e.group.clearLayers();
      e.group.addData(fc);
      e.release = fc.release || null;
      e.count = fc.features.length;
      e.truncated = fc.features.length >= PAGE_LIMIT;
      e.loaded = { asOf: state.asOf, bounds: bounds };
      setStatus(id, e.release ? (e.count + (e.truncated ? "+ 个（请放大）" : " 个")) : "该日期无版本");
    }).catch(function (err) {
      if (err.name === "AbortError") return;
      setStatus(id, "加载失败");
      console.warn("layer " + id + ": " + err.message);
    }).finally(function () {
      if (e.abort === ctrl) e.abort = null;
      if (e.pending === pending) e.pending = null;
    });
    return pending.promise;
  }

  function loadVisible() {
    var ids = Object.keys(state.entries);
    var jobs = ids.map(loadLayer);
    renderLegend();
    return Promise.all(jobs).then(renderLegend);
  }
  var moveTimer = null;
  map.on("moveend", function () {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(loadVisible, 150);
  });

  function setStatus(id, text) {
    var el = document.querySelector('[data-status="' + id + '"]');
    if (el) el.textContent = text;
  }

  function swatchHTML(id, color, value) {
    var s = STYLES[id] || {};
    var meta = state.collections[id];
    var cls = s.point || (meta && meta.geometry_type === "POINT") ? "swatch point" : s.line ? "swatch line" : "swatch";
    var fill = s.line ? "transparent" : (s.field ? color : (s.fill || color));
    if (value === undefined && s.field && s.classes && !s.line) {
      var colours = Object.keys(s.classes).map(function (k) { return s.classes[k]; });
      fill = "linear-gradient(90deg," + colours.join(",") + ")";
      color = "#666";
    }
    var border = s.point && value !== undefined ? "#fff" : color;
    var width = s.line && s.weights && value ? Math.max(1, Math.round(s.weights[value])) : null;
    return '<span class="' + cls + '" data-fill="' + esc(fill) + '" data-border="' + esc(border) + '"' +
      (width ? ' data-top="' + width + '"' : "") + "></span>";
  }
  // Swatch colours travel as data-* attributes and are applied through the CSSOM: the page's
  // Content-Security-Policy (api/headers.py) refuses style attributes in markup.
  function paintSwatches(root) {
    root.querySelectorAll(".swatch[data-fill]").forEach(function (el) {
      el.style.background = el.dataset.fill;
      el.style.borderColor = el.dataset.border;
      if (el.dataset.top) el.style.borderTopWidth = el.dataset.top + "px";
    });
  }

  function renderLayerList() {
    var list = document.getElementById("layer-list");
    var groups = JSON.parse(list.dataset.groups || "[]");
    var html = "";
    groups.forEach(function (g) {
      var members = Object.keys(state.entries).filter(function (id) { return state.entries[id].meta.group === g; });
      if (!members.length) return;
      html += '<div class="layer-group"><h3>' + esc(g) + "</h3>";
      members.forEach(function (id) {
        var e = state.entries[id];
        var rel = e.meta.release;
        html += '<div class="layer-row"><label><input type="checkbox" data-layer="' + esc(id) + '"' +
          (e.visible ? " checked" : "") + ">" + swatchHTML(id, classColor(id, null)) + esc(e.meta.title) +
          "</label>" + '<span class="status" data-status="' + esc(id) + '">' + (rel ? "" : "无数据") + "</span></div>";
      });
      html += "</div>";
    });
    html += '<p class="muted">离线底图：浅色背景 + 本系统的行政区划和水体图层。点击要素查看属性与数据版本。</p>';
    list.innerHTML = html;
    paintSwatches(list);
    list.querySelectorAll("input[data-layer]").forEach(function (box) {
      box.addEventListener("change", function () {
        var id = box.dataset.layer;
        state.entries[id].visible = box.checked;
        loadLayer(id).then(renderLegend);
        renderLegend();
      });
    });
  }

  function renderLegend() {
    var div = document.getElementById("legend");
    var html = "<h4>图例</h4>";
    var any = false;
    Object.keys(state.entries).forEach(function (id) {
      var e = state.entries[id];
      if (!e.visible || !e.release) return;
      any = true;
      var s = STYLES[id] || {};
      html += '<div class="layer-title">' + esc(e.meta.title) + "</div>";
      if (s.field && s.classes) {
        Object.keys(s.classes).forEach(function (v) {
          var label = (s.labels && s.labels[v]) || v;
          html += '<div class="entry">' + swatchHTML(id, s.classes[v], v) + esc(label) + "</div>";
        });
      } else {
        html += '<div class="entry">' + swatchHTML(id, classColor(id, null)) + esc(e.meta.title) + "</div>";
      }
    });
    if (state.project) html += '<div class="layer-title">项目</div><div class="entry"><span class="swatch" data-fill="#42a5f5" data-border="#0d47a1"></span>拟建项目</div>';
    if (state.screening) html += '<div class="entry"><span class="swatch" data-fill="#f48fb1" data-border="#d81b60"></span>筛查命中要素</div>';
    div.innerHTML = any || state.project ? html : html + '<div class="muted">未选择图层</div>';
    paintSwatches(div);
  }

  /* ---------- sources, attribution and the synthetic-data label ---------- */

  var attributions = [];
  function showSources(collections) {
    attributions.forEach(function (a) { map.attributionControl.removeAttribution(a); });
    var sources = {};
    var synthetic = [];
    collections.forEach(function (c) {
      if (!c.release) return;
      if (c.release.synthetic) synthetic.push(c.title);
      var src = (c.release.source || "").split(/[,，(（]/)[0].trim();
      if (src) sources[src] = true;
    });
    attributions = Object.keys(sources).map(function (s) { return "数据：" + esc(s); });
    attributions.forEach(function (a) { map.attributionControl.addAttribution(a); });
    var container = map.attributionControl.getContainer();
    if (container) container.title = container.textContent; // the full text on narrow screens
    var badge = document.getElementById("synthetic-badge");
    badge.hidden = synthetic.length === 0;
    badge.title = "以下图层为演示用合成数据，不代表真实管控边界：" + synthetic.join("、");
  }

  function loadCollections() {
    return getJSON("/collections?datetime=" + encodeURIComponent(state.asOf)).then(function (body) {
      showSources(body.collections || []);
      (body.collections || []).forEach(function (meta) {
        state.collections[meta.id] = meta;
        if (state.entries[meta.id]) {
          state.entries[meta.id].meta = meta;
          state.entries[meta.id].loaded = null;
        } else {
          state.entries[meta.id] = makeEntry(meta);
        }
      });
      renderLayerList();
      return body.collections || [];
    });
  }

  function dataBounds(collections) {
    var b = null;
    collections.forEach(function (c) {
      if (!c.release || !c.extent || !c.extent.spatial) return;
      var box = c.extent.spatial.bbox[0];
      if (!box || box[0] <= -180) return;
      var lb = L.latLngBounds([box[1], box[0]], [box[3], box[2]]);
      b = b ? b.extend(lb) : lb;
    });
    return b;
  }

  /* ---------- popups ---------- */

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

  function popupHTML(id, props, rel, extra) {
    var meta = state.collections[id] || { fields: [], title: id };
    var html = '<div class="popup"><h4>' + esc(meta.title) + "：" + esc(props.name || props.code || "") + "</h4><table>";
    var entryNames = ENTRY_LIST.map(function (x) { return x[0]; });
    (meta.fields || []).forEach(function (f) {
      var v = props[f.name];
      if (v == null || v === "" || (id === "control_units" && entryNames.indexOf(f.name) >= 0)) return;
      var label = f.name === "medium" && STYLES.monitoring_stations.labels[v] ? STYLES.monitoring_stations.labels[v] : null;
      html += "<tr><th>" + esc(f.label) + "</th><td>" + (label ? esc(label) : valueHTML(v)) + "</td></tr>";
    });
    if (props.area_m2) html += "<tr><th>面积</th><td>" + (props.area_m2 / 1e6).toFixed(3) + " km²</td></tr>";
    if (props.synthetic) html += '<tr><th>数据性质</th><td><span class="tag-synthetic">演示合成数据</span></td></tr>';
    html += "</table>";
    if (id === "control_units") {
      html += '<div class="entry-list"><b>生态环境准入清单</b>';
      ENTRY_LIST.forEach(function (pair) {
        var v = props[pair[0]];
        html += "<h5>" + esc(pair[1]) + "</h5><p>" + (v == null || v === "" || (Array.isArray(v) && !v.length) ? '<span class="muted">—</span>' : valueHTML(v)) + "</p>";
      });
      html += "</div>";
    }
    html += releaseHTML(rel);
    if (extra && Object.keys(extra).length) {
      html += "<details><summary>原始属性</summary><table>";
      Object.keys(extra).forEach(function (k) { html += "<tr><th>" + esc(k) + "</th><td>" + valueHTML(extra[k]) + "</td></tr>"; });
      html += "</table></details>";
    }
    return html + "</div>";
  }

  function openPopup(id, feature, latlng) {
    var e = state.entries[id];
    var popup = L.popup({ maxWidth: 360, minWidth: 240, autoPanPadding: [20, 20] }).setLatLng(latlng)
      .setContent(popupHTML(id, feature.properties, e && e.release, null)).openOn(map);
    getJSON("/collections/" + encodeURIComponent(id) + "/items/" + encodeURIComponent(feature.id)).then(function (full) {
      popup.setContent(popupHTML(id, full.properties, e && e.release, full.properties.source_properties));
    }).catch(function () { /* the first content stays */ });
  }

  /* ---------- as-of date ---------- */

  var asOfInput = document.getElementById("as-of");
  asOfInput.value = state.asOf;
  asOfInput.addEventListener("change", function () {
    if (!asOfInput.value) return;
    state.asOf = asOfInput.value;
    loadCollections().then(loadVisible);
  });

  /* ---------- search ---------- */

  var searchInput = document.getElementById("search");
  var resultsEl = document.getElementById("search-results");
  var searchTimer = null, searchResults = [], searchMarker = null;
  var flashLayer = L.geoJSON(null, { pane: "evidence", style: { color: "#ff6f00", weight: 3, fill: false } }).addTo(map);

  function runSearch() {
    var q = searchInput.value.trim();
    if (!q) { resultsEl.hidden = true; return Promise.resolve([]); }
    var path = "/web/search?q=" + encodeURIComponent(q) + "&near_lon=" + map.getCenter().lng.toFixed(4) +
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
    var b = r.bbox;
    map.flyToBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: 15, duration: 0.6 });
    getJSON("/collections/" + encodeURIComponent(r.collection) + "/items/" + r.feature_id).then(function (f) {
      flashLayer.addData(f);
    }).catch(function () {});
  }
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
    var li = ev.target.closest("li[data-i]");
    if (li) flyTo(searchResults[Number(li.dataset.i)]);
  });
  document.addEventListener("click", function (ev) {
    if (!ev.target.closest("#search-form")) resultsEl.hidden = true;
  });

  /* ---------- panel, tabs ---------- */

  function showTab(name) {
    document.querySelectorAll(".tabs button").forEach(function (b) { b.classList.toggle("active", b.dataset.tab === name); });
    document.querySelectorAll(".tab").forEach(function (t) { t.classList.toggle("active", t.id === "tab-" + name); });
    if (name === "history") loadHistory();
  }
  document.querySelectorAll(".tabs button").forEach(function (b) {
    b.addEventListener("click", function () { showTab(b.dataset.tab); });
  });
  function openPanel(open) {
    if (PHONE.matches) document.body.classList.toggle("panel-open", open);
    else document.body.classList.toggle("panel-collapsed", !open);
    document.getElementById("panel-toggle").setAttribute("aria-expanded", String(open));
    setTimeout(function () { map.invalidateSize(); }, 50);
  }
  function panelIsOpen() {
    return PHONE.matches ? document.body.classList.contains("panel-open") : !document.body.classList.contains("panel-collapsed");
  }
  document.getElementById("panel-toggle").addEventListener("click", function () { openPanel(!panelIsOpen()); });
  document.getElementById("panel-toggle").setAttribute("aria-expanded", String(panelIsOpen()));

  /* ---------- project: draw / upload ---------- */

  var projectLayer = L.geoJSON(null, {
    pane: "project",
    style: { color: "#0d47a1", weight: 3, fillColor: "#42a5f5", fillOpacity: 0.35 },
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, { pane: "project", radius: 8, color: "#0d47a1", weight: 3, fillColor: "#42a5f5", fillOpacity: 0.8 });
    },
  }).addTo(map);
  var evidenceLayer = L.geoJSON(null, {
    pane: "evidence",
    style: { color: "#d81b60", weight: 3, fillColor: "#f48fb1", fillOpacity: 0.12 },
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, { pane: "evidence", radius: 8, color: "#d81b60", weight: 3, fillColor: "#f48fb1", fillOpacity: 0.7 });
    },
  }).addTo(map);
  var distanceLayer = L.featureGroup().addTo(map);

  map.pm.setLang("zh");
  map.pm.addControls({
    position: "topleft", drawMarker: true, drawPolyline: true, drawPolygon: true, drawRectangle: true,
    drawCircle: false, drawCircleMarker: false, drawText: false, cutPolygon: false, rotateMode: false,
    dragMode: false, editMode: true, removalMode: true,
  });
  map.pm.setGlobalOptions({ pathOptions: { color: "#0d47a1", fillColor: "#42a5f5", fillOpacity: 0.35 }, snappable: false });

  function geometryLabel(g) {
    return { Point: "点", MultiPoint: "多点", LineString: "线", MultiLineString: "多线", Polygon: "面", MultiPolygon: "多面" }[g.type] || g.type;
  }
  function setProject(geometry, note) {
    state.project = geometry;
    projectLayer.clearLayers();
    if (geometry) projectLayer.addData({ type: "Feature", geometry: geometry, properties: {} });
    document.getElementById("project-status").innerHTML = geometry
      ? "项目几何：" + esc(geometryLabel(geometry)) + (note ? "<br>" + esc(note) : "")
      : "尚未设置项目位置：用上方按钮或地图左侧工具绘制，或上传文件。";
    renderLegend();
  }
  map.on("pm:create", function (e) {
    var geometry = e.layer.toGeoJSON().geometry;
    map.removeLayer(e.layer); // the project layer draws it, so only one project exists
    clearScreening();
    setProject(geometry, "在地图上绘制");
    showTab("screen");
  });
  map.on("pm:remove", function () { setProject(null); });
  projectLayer.on("pm:edit", function () {
    var layers = projectLayer.getLayers();
    if (layers.length) state.project = layers[0].toGeoJSON().geometry;
  });
  document.querySelectorAll("[data-draw]").forEach(function (b) {
    b.addEventListener("click", function () {
      map.pm.enableDraw(b.dataset.draw, { snappable: false });
      if (PHONE.matches) openPanel(false);
    });
  });
  document.getElementById("clear-project").addEventListener("click", function () {
    map.pm.disableDraw(); clearScreening(); setProject(null);
  });
  document.getElementById("project-file").addEventListener("change", function (ev) {
    var file = ev.target.files[0];
    if (!file) return;
    var form = new FormData();
    form.append("file", file);
    var crs = document.getElementById("project-crs").value;
    if (crs) form.append("crs", crs);
    form.append("near_lon", map.getCenter().lng.toFixed(4));
    var status = document.getElementById("project-status");
    status.textContent = "正在读取 " + file.name + " …";
    getJSON("/web/project-file", { method: "POST", body: form }).then(function (body) {
      clearScreening();
      var note = file.name + "（" + body.format + "，" + body.crs + "，" + body.feature_count + " 个要素）" +
        (body.notes && body.notes.length ? "；" + body.notes.join("；") : "");
      setProject(body.geometry, note);
      map.fitBounds(projectLayer.getBounds(), { maxZoom: 15, padding: [40, 40] });
    }).catch(function (err) {
      status.innerHTML = '<span class="error">无法读取文件：' + esc(err.message) + "</span>";
    });
    ev.target.value = "";
  });

  /* ---------- screening ---------- */

  function clearScreening() {
    state.screening = null;
    evidenceLayer.clearLayers();
    distanceLayer.clearLayers();
    document.getElementById("screen-result").innerHTML = "";
  }

  function outcomeClass(o) { return (VERDICTS[o] || [null, "unknown"])[1]; }

  function renderScreening(s) {
    state.screening = s;
    var v = VERDICTS[s.verdict] || [s.verdict || "—", "unknown"];
    var html = '<div id="verdict-banner" class="verdict-banner verdict-' + v[1] + '" data-verdict="' + esc(s.verdict) + '">' +
      esc(s.verdict) + " · " + esc(v[0]) + "<small>" + esc(s.name || "") + " ｜ " + esc(s.industry || "") + " ｜ " +
      esc(s.kind || "") + " ｜ 缓冲 " + esc(s.buffer_m) + " m ｜ 现状日期 " + esc(s.as_of || "") + "</small></div>";
    html += '<div class="report-links"><a id="report-link" href="' + url("/screenings/" + encodeURIComponent(s.id) + "/report") +
      '" target="_blank" rel="noopener">打开报告</a><a href="' + url("/screenings/" + encodeURIComponent(s.id) + "/report.pdf") +
      '" target="_blank" rel="noopener">下载 PDF</a></div>';
    if (s.warnings && s.warnings.length) {
      html += '<div class="warnings">' + s.warnings.map(function (w) { return esc(typeof w === "string" ? w : (w.message || JSON.stringify(w))); }).join("<br>") + "</div>";
    }
    (s.results || []).forEach(function (r, i) {
      var oc = outcomeClass(r.outcome);
      var c = r.citation || {};
      html += '<div class="rule outcome-' + oc + '" data-rule="' + esc(r.rule_id) + '"><span class="badge outcome-' + oc + '">' +
        esc(r.outcome) + "</span><b>" + esc(r.title) + "</b>" +
        '<div class="citation">' + esc(c.document ? "《" + c.document.replace(/^《|》$/g, "") + "》" : "") + esc(c.article || "") + "</div>";
      if (c.text) html += "<details><summary>条文</summary><p>" + esc(c.text) + "</p></details>";
      if (r.measures && (r.measures.length || typeof r.measures === "string")) {
        html += "<div><b>措施：</b>" + esc(Array.isArray(r.measures) ? r.measures.join("；") : r.measures) + "</div>";
      }
      if (r.evidence && r.evidence.length) {
        html += '<ul class="evidence">' + r.evidence.map(function (ev, j) {
          var meta = state.collections[ev.collection];
          var parts = [meta ? meta.title : ev.collection, ev.name || ("#" + ev.feature_id)];
          if (ev.distance_m != null) {
            parts.push(ev.via ? "沿河上游 " + fmtMetres(ev.distance_m) + "（经 " + (ev.via.name || ("#" + ev.via.feature_id)) + "）"
                              : "距离 " + fmtMetres(ev.distance_m));
          }
          if (ev.overlap_m2) parts.push("重叠 " + (ev.overlap_m2 / 1e4).toFixed(2) + " 公顷" + (ev.overlap_ratio != null ? "（" + (ev.overlap_ratio * 100).toFixed(1) + "%）" : ""));
          return '<li data-r="' + i + '" data-e="' + j + '">' + esc(parts.join(" · ")) + "</li>";
        }).join("") + "</ul>";
      }
      html += "</div>";
    });
    var box = document.getElementById("screen-result");
    box.innerHTML = html;
    box.querySelectorAll("li[data-r]").forEach(function (li) {
      li.addEventListener("click", function () {
        var ev = s.results[Number(li.dataset.r)].evidence[Number(li.dataset.e)];
        var hit = evidenceLayer.getLayers().filter(function (l) { return l.feature && l.feature.properties._key === ev.collection + ":" + ev.feature_id; })[0];
        if (hit) map.fitBounds(L.featureGroup([hit, projectLayer]).getBounds(), { maxZoom: 16, padding: [30, 30] });
      });
    });
    renderLegend();
    box.scrollIntoView({ block: "start" });
    return highlightEvidence(s);
  }

  function highlightEvidence(s) {
    evidenceLayer.clearLayers();
    distanceLayer.clearLayers();
    var seen = {}, refs = [];
    (s.results || []).forEach(function (r) {
      (r.evidence || []).forEach(function (ev) {
        if (ev.feature_id == null) return;
        var key = ev.collection + ":" + ev.feature_id;
        if (seen[key]) { if (ev.distance_m != null && (seen[key].distance_m == null || ev.distance_m < seen[key].distance_m)) seen[key] = ev; return; }
        seen[key] = ev; refs.push(key);
      });
    });
    refs = refs.slice(0, 60);
    return Promise.all(refs.map(function (key) {
      var ev = seen[key];
      return getJSON("/collections/" + encodeURIComponent(ev.collection) + "/items/" + encodeURIComponent(ev.feature_id))
        .then(function (f) {
          f.properties = f.properties || {};
          f.properties._key = key;
          evidenceLayer.addData(f);
          f.properties._ev = ev;
          return f;
        }).catch(function () { return null; });
    })).then(function (features) {
      drawDistanceLines(features.filter(Boolean));
      var b = L.featureGroup([projectLayer, distanceLayer]).getBounds();
      if (b.isValid()) map.fitBounds(b, { maxZoom: 16, padding: [40, 40] });
    }).catch(function (err) {
      console.warn("evidence highlight: " + err.message); // the verdict stays shown
    });
  }

  // Nearest points between the project and each hit that does not touch it, computed in
  // screen-projected metres at a fixed zoom (accurate enough for a drawn guide line).
  function flatPoints(geometry) {
    var out = [];
    (function walk(c, depth) {
      if (typeof c[0] === "number") { out.push(c); return; }
      c.forEach(function (x) { walk(x, depth + 1); });
    })(geometry.type === "GeometryCollection" ? [] : geometry.coordinates, 0);
    return out;
  }
  function segmentsOf(geometry) {
    var segs = [];
    function line(coords) { for (var i = 0; i + 1 < coords.length; i++) segs.push([coords[i], coords[i + 1]]); if (coords.length === 1) segs.push([coords[0], coords[0]]); }
    var t = geometry.type, c = geometry.coordinates;
    if (t === "Point") segs.push([c, c]);
    else if (t === "MultiPoint") c.forEach(function (p) { segs.push([p, p]); });
    else if (t === "LineString") line(c);
    else if (t === "MultiLineString" || t === "Polygon") c.forEach(line);
    else if (t === "MultiPolygon") c.forEach(function (p) { p.forEach(line); });
    else if (t === "GeometryCollection") geometry.geometries.forEach(function (g) { segs = segs.concat(segmentsOf(g)); });
    return segs;
  }
  function proj(p) { var q = map.project([p[1], p[0]], 18); return [q.x, q.y]; }
  function nearestOnSegment(p, a, b) {
    var dx = b[0] - a[0], dy = b[1] - a[1];
    var len = dx * dx + dy * dy;
    var t = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
    return [a[0] + t * dx, a[1] + t * dy];
  }
  function nearestPair(ga, gb) {
    var best = null;
    function scan(points, segs, swap) {
      var step = Math.max(1, Math.floor(points.length * segs.length / 400000));
      for (var i = 0; i < points.length; i += step) {
        var p = proj(points[i]);
        for (var j = 0; j < segs.length; j++) {
          var q = nearestOnSegment(p, segs[j][0], segs[j][1]);
          var d = (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]);
          if (!best || d < best.d) best = { d: d, a: swap ? q : p, b: swap ? p : q };
        }
      }
    }
    var sa = segmentsOf(ga).map(function (s) { return [proj(s[0]), proj(s[1])]; });
    var sb = segmentsOf(gb).map(function (s) { return [proj(s[0]), proj(s[1])]; });
    scan(flatPoints(ga), sb, false);
    scan(flatPoints(gb), sa, true);
    return best;
  }
  function drawDistanceLines(features) {
    if (!state.project) return;
    features.forEach(function (f) {
      var ev = f.properties._ev;
      if (!ev || !(ev.distance_m > 0)) return;
      var pair = nearestPair(state.project, f.geometry);
      if (!pair) return;
      var a = map.unproject(L.point(pair.a[0], pair.a[1]), 18), b = map.unproject(L.point(pair.b[0], pair.b[1]), 18);
      L.polyline([a, b], { pane: "evidence", color: "#d81b60", weight: 2, dashArray: "6 4" })
        .bindTooltip(textEl((ev.via ? "沿河 " : "") + fmtMetres(ev.distance_m) + " · " + (ev.name || "")),
          { permanent: true, direction: "center", className: "distance-label" })
        .addTo(distanceLayer);
    });
  }

  document.getElementById("screen-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var box = document.getElementById("screen-result");
    if (!state.project) {
      box.innerHTML = '<p class="error">请先绘制或上传项目位置。</p>';
      return;
    }
    var industry = document.getElementById("industry");
    var code = industry.options[industry.selectedIndex].dataset.code;
    var body = {
      name: document.getElementById("project-name").value || "拟建项目",
      geometry: state.project,
      industry: industry.value,
      kind: document.getElementById("kind").value,
      buffer_m: Number(document.getElementById("buffer").value || 0),
      as_of: state.asOf,
    };
    if (code) body.industry_code = code;
    var button = document.getElementById("run-screening");
    button.disabled = true;
    button.textContent = "筛查中…";
    var t0 = performance.now();
    clearScreening();
    getJSON("/screenings", {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (s) {
      var shown = renderScreening(s);
      state.timings.screenToVerdictMs = performance.now() - t0;
      return shown;
    }).catch(function (err) {
      box.innerHTML = '<p class="error">筛查失败：' + esc(err.message) + "</p>";
    }).finally(function () {
      button.disabled = false;
      button.textContent = "开始筛查";
    });
  });

  /* ---------- saved screenings ---------- */

  function loadHistory() {
    var list = document.getElementById("history-list");
    list.innerHTML = '<li class="muted">加载中…</li>';
    return getJSON("/screenings?limit=50&offset=0").then(function (body) {
      var items = Array.isArray(body) ? body : (body.screenings || body.items || body.results || []);
      if (!items.length) { list.innerHTML = '<li class="muted">还没有保存的筛查。</li>'; return; }
      list.innerHTML = items.map(function (s) {
        var v = VERDICTS[s.verdict] || [s.verdict || "—", "unknown"];
        return '<li class="item" data-id="' + esc(s.id) + '"><span class="badge outcome-' + v[1] + '">' +
          esc(s.verdict || "—") + "</span> <b>" + esc(s.name || "未命名") + '</b><div class="muted">' +
          esc((s.created_at || "").replace("T", " ").slice(0, 16)) + " · " + esc(s.industry || "") + " · " + esc(s.kind || "") + "</div></li>";
      }).join("");
      list.querySelectorAll("li.item").forEach(function (li) {
        li.addEventListener("click", function () { reopen(li.dataset.id); });
      });
    }).catch(function (err) {
      list.innerHTML = '<li class="error">无法加载筛查记录：' + esc(err.message) + "</li>";
    });
  }
  function reopen(id) {
    return getJSON("/screenings/" + encodeURIComponent(id)).then(function (s) {
      clearScreening();
      setProject(s.geometry, "已保存的筛查 " + (s.name || id));
      document.getElementById("project-name").value = s.name || "";
      if (s.buffer_m != null) document.getElementById("buffer").value = s.buffer_m;
      showTab("screen");
      return renderScreening(s);
    });
  }
  document.getElementById("history-refresh").addEventListener("click", loadHistory);

  /* ---------- industries (the rule set's categories) and worked examples ---------- */

  function loadIndustries() {
    return getJSON("/industries").then(function (body) {
      var select = document.getElementById("industry");
      var current = select.value;
      select.innerHTML = (body.industries || []).map(function (ind) {
        var code = (ind.codes || [])[0] || "";
        return '<option value="' + esc(ind.name) + '" data-code="' + esc(code) + '">' +
          esc(ind.name) + (code ? " (" + esc(code) + ")" : "") + "</option>";
      }).join("");
      if (current) select.value = current;
    }).catch(function () { /* the built-in list stays */ });
  }

  var examples = [];
  function loadExamples() {
    return getJSON("/web/examples").then(function (fc) {
      examples = fc.features || [];
      var select = document.getElementById("example");
      examples.forEach(function (f, i) {
        var o = document.createElement("option");
        o.value = String(i);
        o.textContent = f.properties.name + "（预期 " + f.properties.expected_verdict + "）";
        select.appendChild(o);
      });
    }).catch(function () { /* no examples */ });
  }
  document.getElementById("example").addEventListener("change", function (ev) {
    var f = examples[Number(ev.target.value)];
    if (!f) return;
    var p = f.properties;
    clearScreening();
    setProject(f.geometry, "示例：" + (p.description || p.name));
    document.getElementById("project-name").value = p.name;
    document.getElementById("industry").value = p.industry;
    document.getElementById("kind").value = p.kind;
    document.getElementById("buffer").value = p.buffer_m || 0;
    var bounds = L.geoJSON(f.geometry).getBounds();
    if (f.geometry.type === "Point") map.setView(bounds.getCenter(), 13, { animate: false });
    else map.fitBounds(bounds.pad(1), { maxZoom: 14, animate: false });
  });

  /* ---------- start ---------- */

  loadIndustries();
  loadExamples();

  if (PHONE.matches) openPanel(false);
  var t0 = performance.now();
  loadCollections().then(function (collections) {
    var b = dataBounds(collections);
    if (b && b.isValid()) map.fitBounds(b, { padding: [10, 10], animate: false });
    return loadVisible();
  }).then(function () {
    state.timings.firstRenderMs = performance.now();
    state.timings.firstRenderFromScriptMs = performance.now() - t0;
    state.firstRenderDone = true;
    document.body.dataset.ready = "1";
  }).catch(function (err) {
    document.getElementById("layer-list").innerHTML = '<p class="error">无法加载图层：' + esc(err.message) + "</p>";
    document.body.dataset.ready = "error";
  });
})();
