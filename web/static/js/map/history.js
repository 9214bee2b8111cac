/* Saved screenings: the history tab's list (GET /screenings) and reopening one. */

import { getJSON } from "./api.js";
import { localTime, VERDICTS } from "./config.js";
import { esc } from "./escape.js";
import { setOutfall, setTags } from "./facts.js";
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
    esc(s.verdict || "—") + "</span> <b>" + esc(s.name || "未命名") + '</b><div class="muted">' +
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

// A saved screening on the map and in the screening tab (also for a link's ?screening=ID).
export function reopen(id) {
  return getJSON("/screenings/" + encodeURIComponent(id)).then(function (s) {
    clearScreening();
    setProject(s.geometry, "已保存的筛查 " + (s.name || id), s.project && s.project.report_crs);
    document.getElementById("project-name").value = s.name || "";
    if (s.buffer_m != null) document.getElementById("buffer").value = s.buffer_m;
    setTags(s.tags);
    setOutfall(s.outfall);
    showTab("screen");
    return renderScreening(s);
  });
}

export function initHistory() {
  const verdict = document.getElementById("history-verdict");
  Object.keys(VERDICTS).forEach(function (code) {
    verdict.insertAdjacentHTML("beforeend", '<option value="' + esc(code) + '">' + esc(code + " " + VERDICTS[code][0]) + "</option>");
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
