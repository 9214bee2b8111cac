/* Saved screenings: the history tab's list (GET /screenings) and reopening one. */

import { getJSON } from "./api.js";
import { localTime, VERDICTS } from "./config.js";
import { esc } from "./escape.js";
import { setOutfall, setTags } from "./facts.js";
import { onTabShown, showTab } from "./panel.js";
import { setProject } from "./project.js";
import { clearScreening, renderScreening } from "./screening.js";

function loadHistory() {
  const list = document.getElementById("history-list");
  list.innerHTML = '<li class="muted">加载中…</li>';
  return getJSON("/screenings?limit=50&offset=0").then(function (body) {
    const items = Array.isArray(body) ? body : (body.screenings || body.items || body.results || []);
    if (!items.length) { list.innerHTML = '<li class="muted">还没有保存的筛查。</li>'; return; }
    list.innerHTML = items.map(function (s) {
      const v = VERDICTS[s.verdict] || [s.verdict || "—", "unknown"];
      return '<li class="item" data-id="' + esc(s.id) + '"><span class="badge outcome-' + v[1] + '">' +
        esc(s.verdict || "—") + "</span> <b>" + esc(s.name || "未命名") + '</b><div class="muted">' +
        esc(localTime(s.created_at)) + " · " + esc(s.industry || "") + " · " + esc(s.kind || "") + "</div></li>";
    }).join("");
    list.querySelectorAll("li.item").forEach(function (li) {
      li.addEventListener("click", function () { reopen(li.dataset.id); });
    });
  }).catch(function (err) {
    list.innerHTML = '<li class="error">无法加载筛查记录：' + esc(err.message) + "</li>";
  });
}

// A saved screening on the map and in the screening tab (also for a link's ?screening=ID).
export function reopen(id) {
  return getJSON("/screenings/" + encodeURIComponent(id)).then(function (s) {
    clearScreening();
    setProject(s.geometry, "已保存的筛查 " + (s.name || id));
    document.getElementById("project-name").value = s.name || "";
    if (s.buffer_m != null) document.getElementById("buffer").value = s.buffer_m;
    setTags(s.tags);
    setOutfall(s.outfall);
    showTab("screen");
    return renderScreening(s);
  });
}

export function initHistory() {
  onTabShown("history", loadHistory);
  document.getElementById("history-refresh").addEventListener("click", loadHistory);
}
