/* Saved screenings: the history tab's list (GET /screenings) and reopening one. */

import { getJSON } from "./api.js";
import { setAsOf } from "./asof.js";
import { localTime, VERDICTS } from "./config.js";
import { esc } from "./escape.js";
import { setIndustry, whenIndustriesLoaded } from "./examples.js";
import { setFacts, setOutfall } from "./facts.js";
import { onTabShown, showTab } from "./panel.js";
import { setProject } from "./project.js";
import { clearScreening, renderScreening } from "./screening.js";

const PAGE = 50;
let shown = 0; // how many of the matching screenings the list holds
let asked = 0; // answers to requests made before the last one are dropped

function historyPath(offset) {
  const q = document.getElementById("history-q").value.trim();
  const verdict = document.getElementById("history-verdict").value;
  return "/screenings?limit=" + PAGE + "&offset=" + offset +
    (q ? "&q=" + encodeURIComponent(q) : "") + (verdict ? "&verdict=" + encodeURIComponent(verdict) : "");
}

function itemHtml(s) {
  const v = VERDICTS[s.verdict] || [s.verdict || "—", "unknown"];
  return '<li class="item" data-id="' + esc(s.id) + '"><span class="badge outcome-' + v[1] + '">' +
    esc(v[0]) + "</span> <b>" + esc(s.name || "未命名") + '</b><div class="muted">' +
    esc(localTime(s.created_at)) + " · " + esc(s.industry || "") + " · " + esc(s.kind || "") + "</div></li>";
}

// The first page of the screenings matching the filter (more = the next page, appended).
function loadHistory(more) {
  const list = document.getElementById("history-list");
  const count = document.getElementById("history-count");
  const moreButton = document.getElementById("history-more");
  const offset = more === true ? shown : 0;
  const ticket = ++asked;
  if (offset === 0) list.innerHTML = '<li class="muted">加载中…</li>';
  return getJSON(historyPath(offset)).then(function (body) {
    if (ticket !== asked) return; // a newer filter was typed meanwhile
    const items = body.screenings || [];
    const total = body.numberMatched || 0;
    if (offset === 0) list.innerHTML = "";
    list.insertAdjacentHTML("beforeend", items.map(itemHtml).join(""));
    shown = offset + items.length;
    const filtered = document.getElementById("history-q").value.trim() || document.getElementById("history-verdict").value;
    if (!shown) {
      list.innerHTML = '<li class="muted">' + (filtered ? "没有符合条件的筛查。" : "还没有保存的筛查。") + "</li>";
    }
    count.textContent = shown ? (filtered ? "符合条件 " : "共 ") + total + " 条" + (shown < total ? "，已显示 " + shown + " 条" : "") : "";
    moreButton.hidden = shown >= total;
    list.querySelectorAll("li.item:not([data-bound])").forEach(function (li) {
      li.dataset.bound = "1";
      li.addEventListener("click", function () { reopen(li.dataset.id); });
    });
  }).catch(function (err) {
    if (ticket !== asked) return;
    list.innerHTML = '<li class="error">无法加载筛查记录：' + esc(err.message) + "</li>";
    moreButton.hidden = true;
  });
}

// The screening form as the stored screening `s` was asked: its request echo (`project`;
// the top level for a screening stored before the echo held a field), so that a re-run
// screens the same project. Geometry and outfall are the stored ones in WGS84.
function fillForm(s) {
  const p = Object.assign({}, s, s.project || {});
  document.getElementById("project-name").value = p.name || "";
  setIndustry(p.industry, p.industry_code || ""); // no code stored: none sent again
  if (p.kind) document.getElementById("kind").value = p.kind;
  if (p.buffer_m != null) document.getElementById("buffer").value = p.buffer_m;
  setFacts(p);
  setOutfall(s.outfall);
}

// A saved screening on the map and in the screening tab (also for a link's ?screening=ID);
// the map goes to its 现状日期.
export function reopen(id) {
  return Promise.all([getJSON("/screenings/" + encodeURIComponent(id)), whenIndustriesLoaded()]).then(function (got) {
    const s = got[0];
    clearScreening();
    setProject(s.geometry, "已保存的筛查 " + (s.name || id), s.project && s.project.report_crs);
    fillForm(s);
    showTab("screen");
    const layers = setAsOf(s.as_of).catch(function (err) { console.warn("as-of layers: " + err.message); });
    return Promise.all([renderScreening(s), layers]);
  });
}

export function initHistory() {
  const verdict = document.getElementById("history-verdict");
  Object.keys(VERDICTS).forEach(function (code) {
    verdict.insertAdjacentHTML("beforeend", '<option value="' + esc(code) + '">' + esc(VERDICTS[code][0]) + "</option>");
  });
  let typing = null;
  const reload = function () { loadHistory(false); };
  onTabShown("history", reload);
  document.getElementById("history-refresh").addEventListener("click", reload);
  document.getElementById("history-more").addEventListener("click", function () { loadHistory(true); });
  verdict.addEventListener("change", reload);
  document.getElementById("history-q").addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(reload, 250);
  });
  document.getElementById("history-filter").addEventListener("submit", function (e) { e.preventDefault(); reload(); });
}
