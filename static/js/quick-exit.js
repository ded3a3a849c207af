// Quick exit: leave at once for a neutral site, replacing this page in the history so
// that "Back" does not return here. Without JavaScript the button is a plain link.
(function () {
  "use strict";
  function leave(event) {
    var link = document.getElementById("quick-exit");
    if (event) { event.preventDefault(); }
    document.title = "";
    document.body.textContent = "";
    window.location.replace(link ? link.href : "https://www.google.com/");
  }
  var button = document.getElementById("quick-exit");
  if (button) { button.addEventListener("click", leave); }
  // Pressing Escape twice also leaves.
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var now = Date.now();
      if (now - last < 1000) { leave(event); }
      last = now;
    }
  });
}());
