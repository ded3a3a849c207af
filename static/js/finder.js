// The finder keeps one history entry for the whole visit: a search (or a change of
// language) replaces the page's content in place instead of loading a new page, so that
// after "Quick exit" the Back button lands before the finder, not on its results.
// Without JavaScript the forms post as usual.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.history.replaceState) { return; }
  // After a search the server sends only the results and the language buttons that
  // keep them: the page, its form and the visitor's choice stay as they are.
  function swapResults(html, url) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var fresh = next.querySelector("[data-results]");
    var lang = next.querySelector(".public-lang");
    if (!fresh || !lang) { return false; }
    var now = document.querySelector("main [data-results]");
    if (now) { now.replaceWith(document.adoptNode(fresh)); }
    else { document.querySelector("main form.finder-form").after(document.adoptNode(fresh)); }
    document.querySelector(".public-lang").replaceWith(document.adoptNode(lang));
    window.history.replaceState(null, "", url);
    var heading = fresh.querySelector("h2");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    return true;
  }
  function swap(html, url) {
    var next = new DOMParser().parseFromString(html, "text/html");
    ["main", ".public-lang"].forEach(function (selector) {
      var now = document.querySelector(selector);
      var fresh = next.querySelector(selector);
      if (now && fresh) { now.replaceWith(document.adoptNode(fresh)); }
    });
    document.title = next.title;
    document.documentElement.lang = next.documentElement.lang;
    window.history.replaceState(null, "", url);
    var heading = document.querySelector("main section[aria-live] h2") || document.querySelector("main h1");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest("[data-finder]")) { return; }
    event.preventDefault();
    var url = form.action;
    var search = form.classList.contains("finder-form");
    var headers = search ? { "X-Finder": "results" } : {};
    fetch(url, { method: "POST", body: new FormData(form), headers: headers, credentials: "omit", redirect: "follow" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { if (!(search && swapResults(html, url))) { swap(html, url); } })
      .catch(function () { form.submit(); });
  });
}());
