/* Settings of the map that hold for every collection. What differs per collection (style,
 * minimum zoom, default visibility, the popup's 准入清单 fields) comes from /collections,
 * which serves the catalogue (layers/store/catalog.py): the catalogue is its one home. */

export const ROOT = document.getElementById("map").dataset.root || "";
export const PHONE = window.matchMedia("(max-width: 700px)");

// A stored time (ISO, UTC) as 北京时间, the zone the server names (gis.civil_time.LOCAL_ZONE, on the page).
const LOCAL = new Intl.DateTimeFormat("sv-SE", {
  timeZone: document.getElementById("map").dataset.zone,
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
});
export function localTime(iso) { return iso ? LOCAL.format(new Date(iso)) : ""; }
// Today in that zone (YYYY-MM-DD): the server's default "as of" (gis.civil_time.today),
// whatever the browser's own clock zone.
const DAY = new Intl.DateTimeFormat("sv-SE", {
  timeZone: document.getElementById("map").dataset.zone, year: "numeric", month: "2-digit", day: "2-digit",
});
export function localToday() { return DAY.format(new Date()); }

// Layers are bbox-limited GeoJSON pages, reloaded on moveend, with a minimum zoom for the
// heavy ones. The server also serves vector tiles (/collections/{id}/tiles/WebMercatorQuad/{z}/{x}/{y},
// api/routes/tiles.py); makeEntry()/layerSource() in layers.js are the one place to switch to them.
export const PAGE_LIMIT = 4000;

// Circle markers of point collections; their fill is the class colour.
export const POINT = { radius: 5, weight: 1.5, fillOpacity: 0.85 };

// verdict -> [Chinese label, CSS class suffix]; INCOMPLETE: some rule could not be checked.
export const VERDICTS = {
  DENY: ["不予准入", "deny"], REQUIRE: ["有条件准入（须落实要求）", "require"],
  FLAG: ["需关注", "flag"], INCOMPLETE: ["不完整（需人工核实）", "incomplete"], PASS: ["未发现冲突", "pass"],
};

// a rule's outcome -> [badge text, CSS class suffix]: a reviewer's words (符合 / 不符合 / 需人工核实;
// the code stays in the JSON). In the order a result lists its rules: what stops or conditions the
// project first.
export const OUTCOMES = {
  DENY: ["不符合", "deny"], REQUIRE: ["须落实要求", "require"], FLAG: ["需人工核实", "flag"],
  NOT_CHECKED: ["未核查", "not-checked"], PASS: ["符合", "pass"], NOT_APPLICABLE: ["不适用", "na"],
};

// project facts a rule may need (completeness.missing_facts) -> what the form calls them
export const FACT_LABELS = {
  in_park: "是否位于园区", outfall: "排污口位置", "capacity.value": "产能", energy_tce: "能耗（tce/a）",
  water_m3d: "用水量（m³/d）", "emissions.VOCs": "VOCs 排放量（t/a）", "emissions.SO2": "SO₂ 排放量（t/a）",
  "emissions.NOx": "NOx 排放量（t/a）", "emissions.PM": "颗粒物排放量（t/a）", "emissions.COD": "COD 排放量（t/a）",
  "emissions.NH3N": "氨氮排放量（t/a）", "emissions.TP": "总磷排放量（t/a）",
  "emissions.heavy_metals": "重金属排放量（t/a）",
};
