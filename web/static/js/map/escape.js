/* Data never becomes markup: strings built as HTML escape every value with esc(), and
 * Leaflet tooltips/popups that would parse a string get a text node from textEl(). */

export function esc(v) {
  return String(v == null ? "" : v).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

// Leaflet parses a string given to bindTooltip/bindPopup/setContent as HTML; data goes
// in as a node whose text is set, never as markup.
export function textEl(text, tag) {
  const el = document.createElement(tag || "span");
  el.textContent = text == null ? "" : String(text);
  return el;
}
