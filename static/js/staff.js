// Small conveniences for the staff workspace. Every page works without this file.
(function () {
  "use strict";

  // The reply form turns yellow for a private note, so a public reply is never sent by mistake.
  document.querySelectorAll(".note-form").forEach(function (form) {
    function paint() {
      var chosen = form.querySelector("input[name=visibility]:checked");
      form.classList.toggle("private-note", !!chosen && chosen.value === "private");
      var button = form.querySelector("button[type=submit]");
      if (button && chosen) { button.textContent = chosen.value === "private" ? "Add private note" : "Send reply"; }
    }
    form.querySelectorAll("input[name=visibility]").forEach(function (radio) {
      radio.addEventListener("change", paint);
    });
    paint();
  });

  // The spam queue: one box to choose every held post.
  var table = document.querySelector("form input[name=posts]") && document.querySelector("form table.list");
  if (table) {
    var head = table.querySelector("thead th");
    var all = document.createElement("input");
    all.type = "checkbox";
    all.setAttribute("aria-label", "Choose every post");
    all.addEventListener("change", function () {
      table.querySelectorAll("input[name=posts]").forEach(function (box) { box.checked = all.checked; });
    });
    head.appendChild(all);
  }
})();
