/* What lies under a click: every feature of the visible layers at that point, the most
 * specific first (points, then lines, then polygons from the smallest), so a small zone
 * inside a large unit is not hidden by it whichever was drawn last. The test is made on
 * each feature's GeoJSON in screen pixels: a point or line within a few pixels counts. */

import { POINT } from "./config.js";
import { state } from "./state.js";
import { map } from "./view.js";

const TOLERANCE = 4; // px around a point or line that still hits it

// squared pixel distance from p to the segment a–b
function segmentDistance2(p, a, b) {
  const dx = b.x - a.x, dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  let t = len2 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  const x = a.x + t * dx - p.x, y = a.y + t * dy - p.y;
  return x * x + y * y;
}

function toPixel(c) { return map.latLngToLayerPoint([c[1], c[0]]); }

// pixel distance from p to a line's coordinates ([[lon, lat], …])
function lineDistance(p, coords) {
  let best = Infinity;
  for (let i = 1; i < coords.length; i++) {
    best = Math.min(best, segmentDistance2(p, toPixel(coords[i - 1]), toPixel(coords[i])));
  }
  if (coords.length === 1) best = p.distanceTo(toPixel(coords[0])) ** 2;
  return Math.sqrt(best);
}

// even-odd test of a lon/lat point against a ring
function inRing(lon, lat, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
    if ((yi > lat) !== (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// a ring's area in (scaled) square degrees: enough to order polygons by size
function ringArea(ring) {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
  const lat = ring.length ? ring[0][1] : 0;
  return Math.abs(a / 2) * Math.cos(lat * Math.PI / 180);
}

// { dim: 0 point, 1 line, 2 polygon, size: distance in px (points, lines) or area } when
// the geometry is under the click, else null
function hit(geometry, latlng, p, weight) {
  if (!geometry) return null;
  const c = geometry.coordinates;
  switch (geometry.type) {
    case "Point": return hitMany("Point", [c], latlng, p, weight);
    case "MultiPoint": return hitMany("Point", c, latlng, p, weight);
    case "LineString": return hitMany("LineString", [c], latlng, p, weight);
    case "MultiLineString": return hitMany("LineString", c, latlng, p, weight);
    case "Polygon": return hitMany("Polygon", [c], latlng, p, weight);
    case "MultiPolygon": return hitMany("Polygon", c, latlng, p, weight);
    case "GeometryCollection": {
      let best = null;
      (geometry.geometries || []).forEach(function (g) { best = better(best, hit(g, latlng, p, weight)); });
      return best;
    }
    default: return null;
  }
}

function hitMany(type, parts, latlng, p, weight) {
  if (type === "Point") {
    let d = Infinity;
    parts.forEach(function (pt) { d = Math.min(d, p.distanceTo(toPixel(pt))); });
    return d <= POINT.radius + TOLERANCE ? { dim: 0, size: d } : null;
  }
  if (type === "LineString") {
    let d = Infinity;
    parts.forEach(function (line) { d = Math.min(d, lineDistance(p, line)); });
    return d <= weight / 2 + TOLERANCE ? { dim: 1, size: d } : null;
  }
  let inside = false, area = 0;
  parts.forEach(function (rings) {
    if (!rings.length) return;
    area += ringArea(rings[0]);
    for (let i = 1; i < rings.length; i++) area -= ringArea(rings[i]);
    if (!inRing(latlng.lng, latlng.lat, rings[0])) return;
    for (let i = 1; i < rings.length; i++) if (inRing(latlng.lng, latlng.lat, rings[i])) return; // in a hole
    inside = true;
  });
  return inside ? { dim: 2, size: area } : null;
}

function better(a, b) {
  if (!a) return b;
  if (!b) return a;
  return b.dim < a.dim || (b.dim === a.dim && b.size < a.size) ? b : a;
}

// whether a layer's bounds, grown by the tolerance, can hold the click (a cheap first test)
function near(layer, p) {
  if (layer.getLatLng) return true; // a point: tested exactly, it is cheap
  if (!layer.getBounds) return true;
  const b = layer.getBounds();
  if (!b.isValid()) return false;
  const sw = map.latLngToLayerPoint(b.getSouthWest()), ne = map.latLngToLayerPoint(b.getNorthEast());
  const pad = TOLERANCE + 4;
  return p.x >= sw.x - pad && p.x <= ne.x + pad && p.y <= sw.y + pad && p.y >= ne.y - pad;
}

/* The features of the visible layers under `latlng`, most specific first:
 * [{ id, feature, layer }]. */
export function featuresAt(latlng) {
  const p = map.latLngToLayerPoint(latlng);
  const found = [];
  Object.keys(state.entries).forEach(function (id) {
    const e = state.entries[id];
    if (!e.visible || !map.hasLayer(e.group)) return;
    e.group.eachLayer(function (layer) {
      if (!layer.feature || !near(layer, p)) return;
      const weight = (layer.options && layer.options.weight) || 1;
      const h = hit(layer.feature.geometry, latlng, p, weight);
      if (h) found.push({ id: id, feature: layer.feature, layer: layer, dim: h.dim, size: h.size });
    });
  });
  found.sort(function (a, b) { return a.dim - b.dim || a.size - b.size; });
  return found;
}
