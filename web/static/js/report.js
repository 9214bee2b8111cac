/* The report page's behaviours: the print button, and the 复核 button, which re-runs the
 * screening as of its date (GET /screenings/{id}/recheck) and says whether the answer is
 * still the report's (pages run no inline script: see the Content-Security-Policy in
 * api/headers.py). */
(function () {
  "use strict";
  var button = document.getElementById("print-report");
  if (button) button.addEventListener("click", function () { window.print(); });

  // the parts of a screening a difference can name, as the report calls them
  var PARTS = {
    results: "规则结果", verdict: "结论", hits: "缓冲区内要素", layers: "所用图层版本",
    conformity: "准入清单符合性", completeness: "完整性", rasters: "栅格统计",
    protection_targets: "环境保护目标", protection_ranges: "评价范围", warnings: "提示",
    jurisdiction: "行政区", geometry: "项目几何", project: "项目信息"
  };
  var recheck = document.getElementById("recheck-report");
  var out = document.getElementById("recheck");
  if (!recheck || !out) return;

  function line(text, tag) {
    var el = document.createElement(tag || "p");
    el.textContent = text;
    return el;
  }

  function show(body) {
    out.replaceChildren();
    out.hidden = false;
    // 北京时间, as the report prints its own times (the zone is the server's, on the button)
    var when = new Intl.DateTimeFormat("sv-SE", {
      timeZone: recheck.dataset.zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).format(new Date(body.rechecked_at)) + "（北京时间）";
    if (body.identical) {
      out.className = "recheck same";
      out.append(line("复核一致：" + when + " 按现状日期 " + body.as_of +
        " 与原规则集重新计算，结论及每条规则的结果、证据均与本报告相同。"));
      return;
    }
    out.className = "recheck changed";
    out.append(line("复核不一致：" + when + " 按现状日期 " + body.as_of +
      " 与原规则集重新计算，结果与本报告不同（结论 " + body.verdict.stored + " → " +
      body.verdict.rechecked + "）。筛查所依据的数据或程序在其后被更改（版本撤回或回溯、要素被原位修改、程序升级），请核实原因。", "b"));
    var list = document.createElement("ul");
    var parts = {};
    body.differences.forEach(function (d) {
      if (d.field === "outcome") list.append(line("规则 " + d.rule_id + "：" + d.stored + " → " + d.rechecked, "li"));
      parts[PARTS[d.part] || d.part] = true;
    });
    out.append(list);
    out.append(line("有变化的部分：" + Object.keys(parts).join("、") + "（详见 " + recheck.dataset.href + "）"));
  }

  recheck.addEventListener("click", function () {
    recheck.disabled = true;
    out.hidden = false;
    out.className = "recheck";
    out.replaceChildren(line("正在复核……"));
    fetch(recheck.dataset.href, { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.detail || body.title || String(r.status));
          return body;
        });
      })
      .then(show)
      .catch(function (e) {
        out.className = "recheck changed";
        out.replaceChildren(line("复核失败：" + e.message));
      })
      .finally(function () { recheck.disabled = false; });
  });
})();
