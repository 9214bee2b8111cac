/* The project form's lists: industries and tags (the rule set's, /industries) and the
 * worked examples (/web/examples) that fill the form and draw the project. */

import { getJSON } from "./api.js";
import { esc } from "./escape.js";
import { renderTags, setOutfall } from "./facts.js";
import { setProject } from "./project.js";
import { clearScreening } from "./screening.js";
import { map } from "./view.js";

let examples = [];
let industriesLoaded = Promise.resolve();

// The industries and the tag vocabulary of the rule set in force.
export function loadIndustries() {
  industriesLoaded = getJSON("/industries").then(function (body) {
    const select = document.getElementById("industry");
    const current = select.value;
    select.innerHTML = (body.industries || []).map(function (ind) {
      const code = (ind.codes || [])[0] || "";
      return '<option value="' + esc(ind.name) + '" data-code="' + esc(code) + '">' +
        esc(ind.name) + (code ? " (" + esc(code) + ")" : "") + "</option>";
    }).join("");
    if (current) select.value = current;
    if (select.value !== current) setIndustry(null, null); // the code follows the industry shown
    renderTags(body.tags || []);
  }).catch(function () {
    document.getElementById("tag-list").innerHTML = '<p class="muted">无法加载项目标签。</p>'; // the built-in industries stay
  });
  return industriesLoaded;
}

// A Promise settled once the industry list and the tags are in the form (a reopened
// screening fills them after, or the list would replace what it set).
export function whenIndustriesLoaded() { return industriesLoaded; }

// The industry select and the code field: `code` as given ("" for none), else (null or
// undefined) the industry's first code.
// An industry the list lacks (another rule set's) is added, so the form shows what it is.
export function setIndustry(name, code) {
  const select = document.getElementById("industry");
  if (name) {
    const known = Array.prototype.some.call(select.options, function (o) { return o.value === name; });
    if (!known) {
      const o = document.createElement("option");
      o.value = name;
      o.dataset.code = code || "";
      o.textContent = name + "（不在当前规则集的行业表中）";
      select.appendChild(o);
    }
    select.value = name;
  }
  const option = select.options[select.selectedIndex];
  document.getElementById("industry-code").value = code != null ? code : (option && option.dataset.code) || "";
}

export function loadExamples() {
  return getJSON("/web/examples").then(function (fc) {
    examples = fc.features || [];
    const select = document.getElementById("example");
    examples.forEach(function (f, i) {
      const o = document.createElement("option");
      o.value = String(i);
      o.textContent = f.properties.name + "（预期 " + f.properties.expected_verdict + "）";
      select.appendChild(o);
    });
  }).catch(function () { /* no examples */ });
}

function useExample(ev) {
  const f = examples[Number(ev.target.value)];
  if (!f) return;
  const p = f.properties;
  clearScreening();
  setProject(f.geometry, "示例：" + (p.description || p.name));
  setOutfall(p.outfall || null);
  document.getElementById("project-name").value = p.name;
  setIndustry(p.industry, p.industry_code);
  document.getElementById("kind").value = p.kind;
  document.getElementById("buffer").value = p.buffer_m || 0;
  const bounds = L.geoJSON(f.geometry).getBounds();
  if (f.geometry.type === "Point") map.setView(bounds.getCenter(), 13, { animate: false });
  else map.fitBounds(bounds.pad(1), { maxZoom: 14, animate: false });
}

export function initExamples() {
  document.getElementById("example").addEventListener("change", useExample);
  // a new industry brings its own code (the field can then be made more specific)
  document.getElementById("industry").addEventListener("change", function () { setIndustry(null, null); });
  setIndustry(null, null);
}
