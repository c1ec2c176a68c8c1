/* The request form, progressively enhanced. Without this file the form works as is: every custom field
   shows, marked with its categories, and the server ignores those the chosen category does not use.

   1. Custom fields: show only the fields of the chosen category (and those every request uses). Hidden
      fields are disabled so they are not sent, and a required field that shows is marked required.
   2. While the customer types the subject or the body, suggest knowledge-book pages that may answer the
      question, from the form's data-suggest-url (GET ?q= returning {"results": [{title, url, book}]}).
      Any failure simply shows no suggestions. */
(function () {
  "use strict";

  var form = document.querySelector("form.request-form");
  if (!form) {
    return;
  }

  // After a refused post, take keyboard and screen-reader users straight to the list of problems.
  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.focus();
  }

  // --- 1. custom fields by category -----------------------------------------------------------
  var category = form.querySelector("#category");
  var customFields = Array.prototype.slice.call(form.querySelectorAll(".custom-field"));
  var fieldsHint = form.querySelector(".custom-fields-hint");

  function applies(wrapper, categoryId) {
    if (wrapper.getAttribute("data-always") === "1") {
      return true;
    }
    var ids = (wrapper.getAttribute("data-categories") || "").split(" ");
    return categoryId !== "" && ids.indexOf(categoryId) !== -1;
  }

  function showFieldsFor(categoryId) {
    customFields.forEach(function (wrapper) {
      var show = applies(wrapper, categoryId);
      wrapper.hidden = !show;
      Array.prototype.forEach.call(wrapper.querySelectorAll("input, select, textarea"), function (control) {
        control.disabled = !show;
        if (wrapper.getAttribute("data-required") === "1" && control.type !== "checkbox") {
          control.required = show;
          if (show) {
            control.setAttribute("aria-required", "true");
          } else {
            control.removeAttribute("aria-required");
          }
        }
      });
    });
    if (fieldsHint) {
      fieldsHint.hidden = true; // the hint explains the no-JavaScript form only
    }
  }

  if (customFields.length) {
    showFieldsFor(category ? category.value : "");
    if (category) {
      category.addEventListener("change", function () {
        showFieldsFor(category.value);
      });
    }
  }

  // --- 2. knowledge-book suggestions ------------------------------------------------------------
  var suggestUrl = form.getAttribute("data-suggest-url");
  var box = document.getElementById("kb-suggestions");
  var subject = form.querySelector("#title");
  var body = form.querySelector("#note");
  if (!suggestUrl || !box || !window.fetch) {
    return;
  }
  var list = box.querySelector("ul");
  var timer = null;
  var lastQuery = "";
  var latest = 0;

  function queryText() {
    var words = ((subject ? subject.value : "") + " " + (body ? body.value.slice(0, 300) : ""))
      .split(/\s+/).filter(function (word) { return word.length > 2; });
    return words.slice(0, 12).join(" ");
  }

  function render(results) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    results.slice(0, 5).forEach(function (result) {
      if (!result || !result.url || !result.title) {
        return;
      }
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = result.url;
      link.target = "_blank"; // the typed request stays in this tab
      link.rel = "noopener";
      link.textContent = result.title;
      item.appendChild(link);
      if (result.book) {
        var book = document.createElement("span");
        book.className = "muted";
        book.textContent = " (" + result.book + ")";
        item.appendChild(book);
      }
      list.appendChild(item);
    });
    box.hidden = list.children.length === 0;
  }

  function suggest() {
    var q = queryText();
    if (q === lastQuery) {
      return;
    }
    lastQuery = q;
    if (q.length < 4) {
      render([]);
      return;
    }
    var ticket = ++latest;
    var url = suggestUrl + (suggestUrl.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(q);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (ticket === latest) { // an older, slower answer never replaces a newer one
          render((data && data.results) || []);
        }
      })
      .catch(function () { /* no suggestions: the form works without them */ });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 400);
  }

  [subject, body].forEach(function (control) {
    if (control) {
      control.addEventListener("input", schedule);
    }
  });
}());
