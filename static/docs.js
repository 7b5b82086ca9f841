// /docs: names for the form controls Swagger UI leaves unnamed (a parameter's text input, enum
// select and file input take the parameter's name; the request body's editor is "Request
// body"), applied again whenever Swagger UI renders more of the page.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root) return;

  function nameOf(control) {
    var row = control.closest("tr");
    var label = row && row.querySelector(".parameter__name");
    if (label) return (label.firstChild || label).textContent.trim();
    if (control.closest(".body-param")) return "Request body";
    return null;
  }

  function nameAll() {
    root.querySelectorAll("input:not([aria-label]), select:not([aria-label]), " +
                          "textarea:not([aria-label])").forEach(function (control) {
      if (control.labels && control.labels.length) return;
      var name = nameOf(control);
      if (name) control.setAttribute("aria-label", name);
    });
  }

  nameAll();
  new MutationObserver(nameAll).observe(root, {childList: true, subtree: true});
})();
