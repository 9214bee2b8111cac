/* The page's state, shared by the modules; also window.ecozone, for tests and the console. */

import { localToday } from "./config.js";

export const state = {
  asOf: localToday(),  // today in China, as the server dates a request without as_of
  collections: {},   // id -> collection metadata (from /collections)
  entries: {},       // id -> { meta, group, visible, minZoom, loaded, abort, release, count, truncated }
  project: null,     // GeoJSON geometry of the project
  reportCrs: null,   // the CGCS2000 3-degree zone of an uploaded file (the reports' 拐点坐标), or null
  outfall: null,     // GeoJSON Point of its outfall (排污口), when placed
  progress: null,    // the 整治进度 view shown: { as_of, counts by progress, totals }, or null
  placing: null,     // what the next drawn marker is: "outfall", or null (the project)
  screening: null,
  diff: null,        // the release diff drawn on the map: { layer, count }, or null
  timings: {},
  firstRenderDone: false,
  map: null,         // the Leaflet map (set by view.js)
};
window.ecozone = state;
