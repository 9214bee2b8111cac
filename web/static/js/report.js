/* The report page's one behaviour, the print button (pages run no inline script: see the
 * Content-Security-Policy in api/headers.py). */
(function () {
  "use strict";
  var button = document.getElementById("print-report");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
