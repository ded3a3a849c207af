// The finder keeps one history entry for the whole visit: a search (or a change of
// language) replaces the page's content in place instead of loading a new page, so that
// after "Quick exit" the Back button lands before the finder, not on its results.
// Without JavaScript the forms post as usual.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.history.replaceState) { return; }
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
    fetch(url, { method: "POST", body: new FormData(form), credentials: "omit", redirect: "follow" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { swap(html, url); })
      .catch(function () { form.submit(); });
  });
}());
