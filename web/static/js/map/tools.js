/* The map tools that take the map's clicks: leaflet-geoman's modes (drawing the project or
 * placing its outfall, editing, dragging, removing) and the 上下游追溯 tool. While one is on,
 * every click goes to it: features open no popup (layers.js asks toolActive()), and an open
 * popup closes when a tool starts (it would cover the map where the next click lands). */

import { map } from "./view.js";

const armed = {}; // tools of our own (not geoman's) that are on: name -> true

// geoman's global modes, by the name of the map.pm method that says whether one is on
const PM_MODES = [
  "globalDrawModeEnabled", "globalEditModeEnabled", "globalDragModeEnabled",
  "globalRemovalModeEnabled", "globalCutModeEnabled", "globalRotateModeEnabled",
];
const PM_TOGGLES = "pm:globaldrawmodetoggled pm:globaleditmodetoggled pm:globaldragmodetoggled " +
  "pm:globalremovalmodetoggled pm:globalcutmodetoggled pm:globalrotatemodetoggled";

// Whether a tool has the map's clicks now.
export function toolActive() {
  if (Object.keys(armed).length) return true;
  const pm = map.pm;
  return Boolean(pm) && PM_MODES.some(function (m) { return typeof pm[m] === "function" && pm[m](); });
}

// A tool of our own turned on or off (geoman's modes are followed through their events).
export function armTool(name, on) {
  if (on) {
    armed[name] = true;
    map.closePopup();
  } else {
    delete armed[name];
  }
}

// Run `fn` when one of geoman's modes is turned on.
export function onPmModeOn(fn) {
  map.on(PM_TOGGLES, function (e) { if (e.enabled) fn(e); });
}

export function initTools() {
  onPmModeOn(function () { map.closePopup(); });
}
