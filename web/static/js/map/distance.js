/* Nearest points between the project and a screening hit that does not touch it, computed
 * in screen-projected metres at a fixed zoom (accurate enough for a drawn guide line). */

import { map } from "./view.js";

function flatPoints(geometry) {
  const out = [];
  (function walk(c) {
    if (typeof c[0] === "number") { out.push(c); return; }
    c.forEach(walk);
  })(geometry.type === "GeometryCollection" ? [] : geometry.coordinates);
  return out;
}

function segmentsOf(geometry) {
  let segs = [];
  function line(coords) {
    for (let i = 0; i + 1 < coords.length; i++) segs.push([coords[i], coords[i + 1]]);
    if (coords.length === 1) segs.push([coords[0], coords[0]]);
  }
  const t = geometry.type, c = geometry.coordinates;
  if (t === "Point") segs.push([c, c]);
  else if (t === "MultiPoint") c.forEach(function (p) { segs.push([p, p]); });
  else if (t === "LineString") line(c);
  else if (t === "MultiLineString" || t === "Polygon") c.forEach(line);
  else if (t === "MultiPolygon") c.forEach(function (p) { p.forEach(line); });
  else if (t === "GeometryCollection") geometry.geometries.forEach(function (g) { segs = segs.concat(segmentsOf(g)); });
  return segs;
}

function proj(p) { const q = map.project([p[1], p[0]], 18); return [q.x, q.y]; }

function nearestOnSegment(p, a, b) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
  return [a[0] + t * dx, a[1] + t * dy];
}

// The closest pair of points of two GeoJSON geometries, in zoom-18 pixel coordinates
// ({d: squared distance, a: on ga, b: on gb}), or null.
function nearestPair(ga, gb) {
  let best = null;
  function scan(points, segs, swap) {
    const step = Math.max(1, Math.floor(points.length * segs.length / 400000));
    for (let i = 0; i < points.length; i += step) {
      const p = proj(points[i]);
      for (let j = 0; j < segs.length; j++) {
        const q = nearestOnSegment(p, segs[j][0], segs[j][1]);
        const d = (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]);
        if (!best || d < best.d) best = { d: d, a: swap ? q : p, b: swap ? p : q };
      }
    }
  }
  const sa = segmentsOf(ga).map(function (s) { return [proj(s[0]), proj(s[1])]; });
  const sb = segmentsOf(gb).map(function (s) { return [proj(s[0]), proj(s[1])]; });
  scan(flatPoints(ga), sb, false);
  scan(flatPoints(gb), sa, true);
  return best;
}

// The two ends, as LatLngs, of the shortest line from ga to gb, or null.
export function nearestLine(ga, gb) {
  const pair = nearestPair(ga, gb);
  if (!pair) return null;
  return [map.unproject(L.point(pair.a[0], pair.a[1]), 18), map.unproject(L.point(pair.b[0], pair.b[1]), 18)];
}
