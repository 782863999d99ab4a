// The review queue: "all on this page" checks or unchecks every item's box.
(function () {
  "use strict";
  var all = document.getElementById("check-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll("#review-form input[name=ids]").forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
