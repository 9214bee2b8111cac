/* Settings of the map that hold for every collection. What differs per collection (style,
 * minimum zoom, default visibility, the popup's 准入清单 fields) comes from /collections,
 * which serves the catalogue (layers/store/catalog.py): the catalogue is its one home. */

export const ROOT = document.getElementById("map").dataset.root || "";
export const PHONE = window.matchMedia("(max-width: 700px)");

// Layers are bbox-limited GeoJSON pages, reloaded on moveend, with a minimum zoom for the
// heavy ones. The server also serves vector tiles (/collections/{id}/tiles/WebMercatorQuad/{z}/{x}/{y},
// api/routes/tiles.py); makeEntry()/layerSource() in layers.js are the one place to switch to them.
export const PAGE_LIMIT = 4000;

// Circle markers of point collections; their fill is the class colour.
export const POINT = { radius: 5, weight: 1.5, fillOpacity: 0.85 };

// verdict / outcome -> [Chinese label, CSS class suffix]
export const VERDICTS = {
  DENY: ["不予准入", "deny"], REQUIRE: ["有条件准入（须落实要求）", "require"],
  FLAG: ["需关注", "flag"], PASS: ["未发现冲突", "pass"],
};
