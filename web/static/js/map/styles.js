/* Leaflet styles of the collections, read from each collection's `style` in its metadata
 * (the catalogue's MapStyle: colour by class, weights, dashes, fill, basemap pane). */

import { state } from "./state.js";

export function styleOf(id) {
  const meta = state.collections[id];
  return (meta && meta.style) || {};
}

export function isPoint(id) {
  const meta = state.collections[id];
  return Boolean(meta && meta.geometry_type === "POINT");
}

// true when the style colours features by the value of a field
export function isClassed(s) {
  return Boolean(s.class_field && s.classes && Object.keys(s.classes).length);
}

export function classColor(id, props) {
  const s = styleOf(id);
  if (isClassed(s) && props && s.classes[props[s.class_field]]) return s.classes[props[s.class_field]];
  return s.color || "#555";
}

// Path options of a feature; the style is read per feature, so refreshed metadata applies.
export function featureStyle(id) {
  return function (feature) {
    const s = styleOf(id);
    const props = (feature && feature.properties) || null;
    const c = classColor(id, props);
    const value = props && s.class_field ? props[s.class_field] : undefined;
    if (s.line) {
      const w = s.weights ? s.weights[value] : null;
      return { color: c, weight: w || s.weight || 1, fill: false, dashArray: (s.dashes && s.dashes[value]) || null };
    }
    const classed = isClassed(s);
    return {
      color: classed ? c : (s.color || c), weight: s.weight || 1.5,
      fillColor: classed ? c : (s.fill || c), fillOpacity: s.fill_opacity == null ? 0.3 : s.fill_opacity,
      dashArray: s.dash_array || null,
    };
  };
}

export function paneFor(id) {
  if (styleOf(id).base) return "base";
  return isPoint(id) ? "points" : "zones";
}
