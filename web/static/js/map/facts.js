/* The screening form's optional project facts (「项目信息（可选）」): the tag checklist (the
 * rule set's vocabulary, from GET /industries), the outfall placed on the map, and in_park,
 * emissions, capacity, energy and water use, read into the POST /screenings body (empty
 * fields are left out). */

import { PHONE } from "./config.js";
import { esc } from "./escape.js";
import { openPanel } from "./panel.js";
import { state } from "./state.js";
import { map, outfallLayer } from "./view.js";

export const EMISSIONS = ["VOCs", "SO2", "NOx", "PM", "COD", "NH3N", "TP", "heavy_metals"];

// The tag checklist; `tags` is /industries' vocabulary [{name, text, withdraws}].
export function renderTags(tags) {
  const box = document.getElementById("tag-list");
  const ticked = checkedTags();
  if (!tags || !tags.length) { box.innerHTML = '<p class="muted">规则集未定义项目标签。</p>'; return; }
  box.innerHTML = tags.map(function (t, i) {
    const note = t.withdraws && t.withdraws.length ? "（撤销：" + t.withdraws.join("、") + "）" : "";
    return '<label class="tag" title="' + esc((t.text || t.name) + note) + '"><input type="checkbox" id="tag-' + i +
      '" name="tags" value="' + esc(t.name) + '"' + (ticked.indexOf(t.name) >= 0 ? " checked" : "") + "> " + esc(t.name) + "</label>";
  }).join("");
}

function checkedTags() {
  return Array.prototype.map.call(document.querySelectorAll("#tag-list input[name=tags]:checked"), function (el) { return el.value; });
}

// A number field: undefined when empty; an Error naming `label` when not a number ≥ 0.
function numberOf(id, label) {
  const el = document.getElementById(id);
  const raw = el.value.trim();
  if (raw === "") return undefined;
  const n = Number(raw);
  if (!isFinite(n) || n < 0) throw new Error(label + "须为不小于 0 的数字。");
  return n;
}

// The facts of the form, ready to merge into the request body; throws on a bad field.
export function readFacts() {
  const out = {};
  const tags = checkedTags();
  if (tags.length) out.tags = tags;
  if (state.outfall) out.outfall = state.outfall;
  const park = document.getElementById("in-park").value;
  if (park) out.in_park = park === "true";
  const emissions = {};
  EMISSIONS.forEach(function (k) {
    const v = numberOf("emission-" + k, k + " 排放量");
    if (v !== undefined) emissions[k] = v;
  });
  if (Object.keys(emissions).length) out.emissions = emissions;
  const capacity = numberOf("capacity-value", "产能");
  const unit = document.getElementById("capacity-unit").value.trim();
  if (capacity !== undefined) {
    if (!unit) throw new Error("请填写产能的单位（如 万吨/年）。");
    out.capacity = { value: capacity, unit: unit };
  }
  const energy = numberOf("energy-tce", "能耗");
  if (energy !== undefined) out.energy_tce = energy;
  const water = numberOf("water-m3d", "用水量");
  if (water !== undefined) out.water_m3d = water;
  return out;
}

// Tick exactly `tags` (a reopened screening's); a tag the vocabulary lacks (another rule
// set's) gets a box of its own, so that it is shown and sent again.
export function setTags(tags) {
  const wanted = tags || [];
  const box = document.getElementById("tag-list");
  const known = [];
  box.querySelectorAll("input[name=tags]").forEach(function (el) {
    el.checked = wanted.indexOf(el.value) >= 0;
    known.push(el.value);
  });
  wanted.forEach(function (t) {
    if (known.indexOf(t) >= 0) return;
    if (!box.querySelector("input[name=tags]")) box.innerHTML = ""; // the "loading" or "none" note
    box.insertAdjacentHTML("beforeend", '<label class="tag" title="' + esc(t + "（不在当前规则集的标签表中）") +
      '"><input type="checkbox" name="tags" value="' + esc(t) + '" checked> ' + esc(t) + "</label>");
  });
}

function setValue(id, v) { document.getElementById(id).value = v == null ? "" : String(v); }

// The form's facts from a stored screening's request echo (its `project`): each field the
// echo lacks is emptied, so that a re-run sends what the stored one did.
export function setFacts(project) {
  const p = project || {};
  setTags(p.tags);
  setValue("in-park", p.in_park == null ? "" : String(Boolean(p.in_park)));
  EMISSIONS.forEach(function (k) { setValue("emission-" + k, p.emissions ? p.emissions[k] : null); });
  setValue("capacity-value", p.capacity ? p.capacity.value : null);
  setValue("capacity-unit", p.capacity ? p.capacity.unit : null);
  setValue("energy-tce", p.energy_tce);
  setValue("water-m3d", p.water_m3d);
  const any = ["in_park", "emissions", "capacity", "energy_tce", "water_m3d", "outfall"].some(function (k) { return p[k] != null; });
  if (any || (p.tags && p.tags.length)) document.getElementById("project-facts").open = true;
}

// The project's outfall (a GeoJSON Point, or null): the rules on outfalls (入河排污口设置)
// measure from it instead of from the project.
export function setOutfall(geometry) {
  state.outfall = geometry || null;
  state.placing = null;
  outfallLayer.clearLayers();
  if (state.outfall) outfallLayer.addData({ type: "Feature", geometry: state.outfall, properties: {} });
  const c = state.outfall && state.outfall.coordinates;
  document.getElementById("outfall-status").textContent = c
    ? "排污口：" + c[0].toFixed(5) + ", " + c[1].toFixed(5) + "（经度, 纬度）；排污口相关规则按此位置计算距离。"
    : "未设置：排污口相关规则按项目位置计算距离。";
  document.getElementById("clear-outfall").disabled = !state.outfall;
}

export function initFacts() {
  document.getElementById("place-outfall").addEventListener("click", function () {
    state.placing = "outfall";
    map.pm.enableDraw("Marker", { snappable: false });
    if (PHONE.matches) openPanel(false);
  });
  document.getElementById("clear-outfall").addEventListener("click", function () { setOutfall(null); });
}
