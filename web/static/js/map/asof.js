/* The page's 现状日期 ("as of"): the date input in the top bar, and setting it from code (a
 * reopened screening's date); the layers, rasters and the 整治进度 view follow it. */

import { loadCollections, loadVisible } from "./layers.js";
import { refreshProgress } from "./lifecycle.js";
import { setLinkParam } from "./link.js";
import { loadRasters } from "./rasters.js";
import { state } from "./state.js";

function apply(date) {
  state.asOf = date;
  setLinkParam("as_of", state.asOf);
  loadRasters();
  return loadCollections().then(loadVisible).then(refreshProgress);
}

// Show the map as of `date` (YYYY-MM-DD), the input too; a Promise of the layers redrawn.
export function setAsOf(date) {
  if (!date || date === state.asOf) return Promise.resolve();
  document.getElementById("as-of").value = date;
  return apply(date);
}

export function initAsOf() {
  const asOfInput = document.getElementById("as-of");
  asOfInput.value = state.asOf;
  asOfInput.addEventListener("change", function () {
    if (!asOfInput.value) return;
    apply(asOfInput.value);
  });
}
