// The colour theme switch (templates/_theme.html): System follows prefers-color-scheme, Light
// and Dark override it. The choice is kept in the bs_theme cookie for a year, so the server
// renders the next page in it (<html data-theme>) and nothing flashes in the other theme.
(function () {
  "use strict";
  var YEAR = 365 * 24 * 3600;
  var SECURE = location.protocol === "https:" ? "; Secure" : "";

  function choose(value) {
    var root = document.documentElement;
    if (value === "light" || value === "dark") {
      root.setAttribute("data-theme", value);
      document.cookie = "bs_theme=" + value + "; Path=/; Max-Age=" + YEAR + "; SameSite=Lax" + SECURE;
    } else {
      root.removeAttribute("data-theme");
      document.cookie = "bs_theme=; Path=/; Max-Age=0; SameSite=Lax" + SECURE;
    }
    document.querySelectorAll("[data-theme-choice]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.themeChoice === value));
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-theme-choice]");
    if (button) choose(button.dataset.themeChoice);
  });
})();
