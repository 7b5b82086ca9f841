// Several tabs, several networks: each tab keeps the id of its own network for this tab only
// (sessionStorage). After a reload, a tab whose cookie now names another tab's network asks
// for its own back; the server sets the cookie to it and the page reloads once.
import { byId } from "./dom.js";

export function keepTabSession() {
  const stage = byId("stage");
  if (!stage || !window.sessionStorage) return;
  const mine = sessionStorage.getItem("bs-tab-session");
  const shown = stage.dataset.sid;
  const adopting = sessionStorage.getItem("bs-tab-adopting");
  sessionStorage.removeItem("bs-tab-adopting");
  // Only a reload asks for the tab's network back: following a link, a share link or building
  // a new network are navigations that show what the learner chose.
  const nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
  const reloaded = nav && nav.type === "reload";
  if (reloaded && mine && mine !== shown && !adopting) {
    sessionStorage.setItem("bs-tab-adopting", "1");
    window.htmx.ajax("POST", "/ui/adopt", {values: {sid: mine}, swap: "none"}).then(() => {
      const now = byId("stage");
      if (now && now.dataset.sid !== mine) sessionStorage.setItem("bs-tab-session", now.dataset.sid);
    });
    return;
  }
  sessionStorage.setItem("bs-tab-session", shown);
}
