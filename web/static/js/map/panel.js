/* The side panel: its tabs, and opening/closing it (a drawer on phones). */

import { PHONE } from "./config.js";
import { map } from "./view.js";

const onShown = {}; // tab name -> function run when the tab is shown

// Run `fn` whenever the tab called `name` is shown.
export function onTabShown(name, fn) { onShown[name] = fn; }

export function showTab(name) {
  document.querySelectorAll(".tabs button").forEach(function (b) { b.classList.toggle("active", b.dataset.tab === name); });
  document.querySelectorAll(".tab").forEach(function (t) { t.classList.toggle("active", t.id === "tab-" + name); });
  if (onShown[name]) onShown[name]();
}

export function openPanel(open) {
  if (PHONE.matches) document.body.classList.toggle("panel-open", open);
  else document.body.classList.toggle("panel-collapsed", !open);
  document.getElementById("panel-toggle").setAttribute("aria-expanded", String(open));
  setTimeout(function () { map.invalidateSize(); }, 50);
}

function panelIsOpen() {
  return PHONE.matches ? document.body.classList.contains("panel-open") : !document.body.classList.contains("panel-collapsed");
}

export function initPanel() {
  document.querySelectorAll(".tabs button").forEach(function (b) {
    b.addEventListener("click", function () { showTab(b.dataset.tab); });
  });
  document.getElementById("panel-toggle").addEventListener("click", function () { openPanel(!panelIsOpen()); });
  document.getElementById("panel-toggle").setAttribute("aria-expanded", String(panelIsOpen()));
}
