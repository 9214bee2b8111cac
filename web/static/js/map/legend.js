/* Swatches (layer list and legend) and the legend control's content. */

import { esc } from "./escape.js";
import { state } from "./state.js";
import { classColor, isClassed, isPoint, styleOf } from "./styles.js";

// A swatch of a collection's style; `value` is a class value, or undefined for the whole layer.
export function swatchHTML(id, color, value) {
  const s = styleOf(id);
  const point = isPoint(id);
  const cls = point ? "swatch point" : s.line ? "swatch line" : "swatch";
  const classed = isClassed(s);
  let fill = s.line ? "transparent" : (classed ? color : (s.fill || color));
  if (value === undefined && classed && !s.line) {
    const colours = Object.keys(s.classes).map(function (k) { return s.classes[k]; });
    fill = "linear-gradient(90deg," + colours.join(",") + ")";
    color = "#666";
  }
  const border = point && value !== undefined ? "#fff" : color;
  const width = s.line && s.weights && value && s.weights[value] ? Math.max(1, Math.round(s.weights[value])) : null;
  return '<span class="' + cls + '" data-fill="' + esc(fill) + '" data-border="' + esc(border) + '"' +
    (width ? ' data-top="' + width + '"' : "") + "></span>";
}

// Swatch colours travel as data-* attributes and are applied through the CSSOM: the page's
// Content-Security-Policy (api/headers.py) refuses style attributes in markup.
export function paintSwatches(root) {
  root.querySelectorAll(".swatch[data-fill]").forEach(function (el) {
    el.style.background = el.dataset.fill;
    el.style.borderColor = el.dataset.border;
    if (el.dataset.top) el.style.borderTopWidth = el.dataset.top + "px";
  });
}

// The legend label of a class: the style's own, else the field's value label, else the value.
function classLabel(meta, s, value) {
  if (s.labels && s.labels[value]) return s.labels[value];
  const field = (meta.fields || []).find(function (f) { return f.name === s.class_field; });
  return (field && field.value_labels && field.value_labels[value]) || value;
}

export function renderLegend() {
  const div = document.getElementById("legend");
  let html = "<h4>图例</h4>";
  let any = false;
  Object.keys(state.entries).forEach(function (id) {
    const e = state.entries[id];
    if (!e.visible || !e.release) return;
    any = true;
    const s = styleOf(id);
    html += '<div class="layer-title">' + esc(e.meta.title) + "</div>";
    if (isClassed(s)) {
      Object.keys(s.classes).forEach(function (v) {
        html += '<div class="entry">' + swatchHTML(id, s.classes[v], v) + esc(classLabel(e.meta, s, v)) + "</div>";
      });
    } else {
      html += '<div class="entry">' + swatchHTML(id, classColor(id, null)) + esc(e.meta.title) + "</div>";
    }
  });
  if (state.project) html += '<div class="layer-title">项目</div><div class="entry"><span class="swatch" data-fill="#42a5f5" data-border="#0d47a1"></span>拟建项目</div>';
  if (state.outfall) html += '<div class="entry"><span class="swatch point" data-fill="#a1887f" data-border="#4e342e"></span>排污口</div>';
  if (state.screening) html += '<div class="entry"><span class="swatch" data-fill="#f48fb1" data-border="#d81b60"></span>筛查命中要素</div>';
  div.innerHTML = any || state.project ? html : html + '<div class="muted">未选择图层</div>';
  paintSwatches(div);
}
