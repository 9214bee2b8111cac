/* The screening's 环境保护目标 (protection_targets): a table in the result panel and a map
 * layer highlighting each target, labelled with its 方位 and distance from the project. */

import { esc, textEl } from "./escape.js";
import { fmtMetres } from "./rulerows.js";
import { protectionLayer } from "./view.js";

const COLOURS = { air: "#6a1b9a", noise: "#ef6c00", groundwater: "#5d4037", surface_water: "#0277bd" };

// 方位 as the EIA table writes it: 项目范围内 for a target on or inside the project.
function bearing(t) {
  return t.within_project ? "项目范围内" : t.bearing_zh + "（" + t.bearing + "）";
}

// The panel's table: 序号 | 名称 | 类型 | 环境要素 | 方位 | 距离 | 规模 (as EIA reports lay it out).
export function protectionTable(s) {
  if (!s.protection_targets) return "";
  const rows = s.protection_targets.map(function (t, i) {
    return "<tr><td>" + (i + 1) + "</td><td>" + esc(t.name || "—") + (t.synthetic ? "（合成）" : "") + "</td><td>" +
      esc(t.type) + "</td><td>" + esc(t.medium_label) + "</td><td>" + esc(bearing(t)) + "</td><td>" +
      esc(fmtMetres(t.distance_m) + (t.along_river ? "（沿河）" : "")) + "</td><td>" + esc(t.scale) + "</td></tr>";
  }).join("");
  const empty = s.protection_targets.length ? "" :
    '<tr><td colspan="7">' + ((s.protection_ranges || {}).release_id == null ? "环境敏感目标图层无有效版本" : "评价范围内未发现环境敏感目标") + "</td></tr>";
  const synthetic = (s.protection_ranges || {}).synthetic ? '<p class="synthetic-note">含演示用合成数据（synthetic）</p>' : "";
  return '<details id="protection-targets" class="protection-targets" open><summary>环境保护目标（' + s.protection_targets.length +
    "）</summary>" + synthetic + '<table><thead><tr><th>序号</th><th>名称</th><th>类型</th><th>环境要素</th><th>方位</th><th>距离</th><th>规模</th></tr></thead><tbody>' +
    rows + empty + "</tbody></table></details>";
}

// One marker per target (the nearest medium's entry when a target serves several), with a
// permanent label: name · 方位 · distance.
export function drawProtectionTargets(s) {
  protectionLayer.clearLayers();
  const seen = {};
  (s.protection_targets || []).forEach(function (t) {
    const key = t.release_id + ":" + t.feature_id;
    if (seen[key]) return;
    seen[key] = true;
    L.circleMarker([t.lat, t.lon], {
      pane: "evidence", radius: 7, color: COLOURS[t.medium] || "#ad1457", weight: 3,
      fillColor: "#fff59d", fillOpacity: 0.9, className: "protection-target",
    }).bindTooltip(textEl((t.name || "") + " · " + (t.within_project ? "项目范围内" : t.bearing_zh) + " · " + fmtMetres(t.distance_m) + (t.along_river ? "（沿河）" : "")),
      { permanent: true, direction: "right", className: "protection-label" })
      .addTo(protectionLayer);
  });
}

export function clearProtectionTargets() {
  protectionLayer.clearLayers();
}
