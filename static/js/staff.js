// Small conveniences for the staff workspace. Every page works without this file.
(function () {
  "use strict";

  // The page's words for what this script writes (templates/base.html, #interface-words); English otherwise.
  var words = {};
  var holder = document.getElementById("interface-words");
  try { words = JSON.parse((holder && holder.getAttribute("data-words")) || "{}"); } catch (e) {}
  function t(text) { return words[text] || text; }

  // The reply form turns yellow for a private note, so a public reply is never sent by mistake.
  document.querySelectorAll(".note-form").forEach(function (form) {
    function paint() {
      var chosen = form.querySelector("input[name=visibility]:checked");
      form.classList.toggle("private-note", !!chosen && chosen.value === "private");
      var button = form.querySelector("button[type=submit]");
      if (button && chosen) { button.textContent = chosen.value === "private" ? t("Add private note") : t("Send reply"); }
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
    all.setAttribute("aria-label", t("Choose every post"));
    all.addEventListener("change", function () {
      table.querySelectorAll("input[name=posts]").forEach(function (box) { box.checked = all.checked; });
    });
    head.appendChild(all);
  }

  // The knowledge-book picker (request page, canned responses): an "Insert" button puts the page's link
  // (or its {kb:N} placeholder) into the text box at the cursor. Without this file the text is there to copy.
  document.querySelectorAll(".kb-picks [data-insert]").forEach(function (item) {
    var box = document.getElementById(item.getAttribute("data-target") || "body");
    if (!box) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = t("Insert");
    button.addEventListener("click", function () {
      var text = item.getAttribute("data-insert");
      var at = box.selectionStart || box.value.length;
      box.value = box.value.slice(0, at) + text + box.value.slice(box.selectionEnd || at);
      box.focus();
      box.selectionStart = box.selectionEnd = at + text.length;
    });
    item.appendChild(document.createTextNode(" "));
    item.appendChild(button);
  });
})();
