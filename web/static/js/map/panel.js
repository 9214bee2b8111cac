/* The side panel: its tabs, and opening/closing it (a drawer on phones). */

import { PHONE } from "./config.js";
import { map } from "./view.js";

const onShown = {}; // tab name -> function run when the tab is shown

// Run `fn` whenever the tab called `name` is shown.
export function onTabShown(name, fn) { onShown[name] = fn; }

export function showTab(name) {
  document.querySelectorAll(".tabs button").forEach(function (b) {
    const on = b.dataset.tab === name;
    b.classList.toggle("active", on);
    b.setAttribute("aria-selected", String(on));
    b.tabIndex = on ? 0 : -1; // one tab stop for the tab list; the arrow keys move in it
  });
  document.querySelectorAll(".tab").forEach(function (t) { t.classList.toggle("active", t.id === "tab-" + name); });
  if (onShown[name]) onShown[name]();
}

// The tab list's keys (WAI-ARIA tabs pattern): ←/→ the previous/next tab, Home/End the first/last.
function onTabKey(ev) {
  const tabs = Array.prototype.slice.call(document.querySelectorAll(".tabs button[role=tab]"));
  const i = tabs.indexOf(ev.target);
  if (i < 0) return;
  const to = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: tabs.length - 1 }[ev.key];
  if (to === undefined) return;
  ev.preventDefault();
  const tab = tabs[(to + tabs.length) % tabs.length];
  showTab(tab.dataset.tab);
  tab.focus();
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
  document.querySelector(".tabs").addEventListener("keydown", onTabKey);
  document.getElementById("panel-toggle").addEventListener("click", function () { openPanel(!panelIsOpen()); });
  document.getElementById("panel-toggle").setAttribute("aria-expanded", String(panelIsOpen()));
}
