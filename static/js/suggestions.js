/* Suggestions beside the request and new-topic forms (templates/deflection/_suggestions.html).
   Without this file both forms work exactly as before: the panel stays hidden and nothing is counted.

   While the customer types the subject or the message, the best five knowledge-book pages and forum
   topics are asked for (debounced) and listed beside the form; the live region says how many there are.
   Each opens in a new tab (what was typed stays here) through the server's counting redirect, and has a
   "This answered my question" button: a small form of its own that ends the visit without a request.
   A page can also be read in place: "Read it here" loads its body into the panel below the list (counted
   as opened), moves focus to its heading, and offers "This answered my question" again; Close or Escape
   hides it and gives focus back to the button that opened it.
   The server hands out a visit token with the first answer; it is sent with the form as
   "deflection_visit" so a request sent after seeing suggestions is counted too. Any failure simply
   shows no suggestions. */
(function () {
  "use strict";

  // The page's words for what this script writes (templates/base.html, #interface-words); English otherwise.
  var words = {};
  var holder = document.getElementById("interface-words");
  try { words = JSON.parse((holder && holder.getAttribute("data-words")) || "{}"); } catch (e) {}
  function t(text) { return words[text] || text; }

  var box = document.getElementById("suggestions");
  var form = document.querySelector("form[data-suggest]");
  if (!box || !form || !window.fetch) {
    return;
  }
  var list = box.querySelector("ul");
  var status = document.getElementById("suggestions-status");
  var suggestUrl = box.getAttribute("data-suggest-url");
  var answeredUrl = box.getAttribute("data-answered-url");
  var formName = box.getAttribute("data-form");
  var fields = form.getAttribute("data-suggest").split(" ").map(function (id) {
    return document.getElementById(id);
  }).filter(Boolean);
  var category = document.getElementById(form.getAttribute("data-suggest-category") || "");
  var csrf = form.querySelector("input[name=csrf_token]");
  var visitInput = document.createElement("input");
  visitInput.type = "hidden";
  visitInput.name = "deflection_visit";
  form.appendChild(visitInput);
  var reader = document.getElementById("suggestion-reader");
  var readerBody = reader ? reader.querySelector(".suggestion-reader-body") : null;
  var readerActions = reader ? reader.querySelector(".suggestion-reader-actions") : null;
  var readLabel = box.getAttribute("data-read-label") || "Read it here";
  var opener = null;
  var timer = null;
  var lastQuery = "";
  var latest = 0;
  var shownCount = -1;

  function queryText() {
    // The subject and the start of the message; the last word is kept even when short (it is being typed).
    var text = fields.map(function (field) { return field.value; }).join(" ").slice(0, 400);
    return text.split(/\s+/).filter(Boolean).slice(0, 16).join(" ") + (/\s$/.test(text) ? " " : "");
  }

  function categoryValue() {
    return category && category.value ? category.value : (form.getAttribute("data-suggest-category-id") || "");
  }

  function hidden(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function answeredForm(result) {
    var answered = document.createElement("form");
    answered.method = "post";
    answered.action = answeredUrl;
    answered.className = "suggestion-answered";
    [["csrf_token", csrf ? csrf.value : ""], ["visit", visitInput.value], ["kind", result.kind],
     ["id", String(result.id)], ["form", formName], ["category", categoryValue()]].forEach(function (pair) {
      answered.appendChild(hidden(pair[0], pair[1]));
    });
    var button = document.createElement("button");
    button.type = "submit";
    button.className = "button-link";
    button.textContent = t("This answered my question");
    answered.appendChild(button);
    return answered;
  }

  function render(results) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    results.slice(0, 5).forEach(function (result) {
      if (!result || !result.open_url || !result.title) {
        return;
      }
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = result.open_url + "&category=" + encodeURIComponent(categoryValue());
      link.target = "_blank"; // what was typed stays in this tab
      link.rel = "noopener";
      link.textContent = result.title;
      item.appendChild(link);
      var where = document.createElement("span");
      where.className = "muted small";
      where.textContent = (result.kind === "topic" ? " Forum: " : " ") + (result.where || "");
      item.appendChild(where);
      if (result.read_url && reader) {
        var read = document.createElement("button");
        read.type = "button";
        read.className = "button-link suggestion-read";
        read.textContent = readLabel;
        read.setAttribute("aria-controls", "suggestion-reader");
        read.setAttribute("aria-expanded", "false");
        read.addEventListener("click", function () { readInPlace(result, read, link.href); });
        item.appendChild(read);
      }
      item.appendChild(answeredForm(result));
      list.appendChild(item);
    });
    var count = list.children.length;
    box.hidden = count === 0;
    if (status && count !== shownCount) {
      status.textContent = count ? count + (count === 1 ? " suggestion" : " suggestions") +
        " beside the form may answer your question." : "";
    }
    shownCount = count;
  }

  function closeReader() {
    if (!reader || reader.hidden) {
      return;
    }
    reader.hidden = true;
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      if (document.body.contains(opener)) {
        opener.focus();
      } else if (fields.length) {
        fields[0].focus();
      }
    }
    opener = null;
  }

  function readInPlace(result, button, newTabUrl) {
    var url = result.read_url + "&category=" + encodeURIComponent(categoryValue());
    fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("no page");
        }
        return response.text();
      })
      .then(function (html) {
        if (opener && opener !== button) {
          opener.setAttribute("aria-expanded", "false");
        }
        readerBody.innerHTML = html; // rendered by the server as the page itself shows it (cleaned on write)
        while (readerActions.firstChild) {
          readerActions.removeChild(readerActions.firstChild);
        }
        readerActions.appendChild(answeredForm(result));
        reader.hidden = false;
        opener = button;
        button.setAttribute("aria-expanded", "true");
        var heading = readerBody.querySelector("h3");
        (heading || reader).focus();
      })
      .catch(function () { window.open(newTabUrl, "_blank", "noopener"); });
  }

  if (reader) {
    reader.querySelector(".suggestion-reader-close").addEventListener("click", closeReader);
    reader.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        closeReader();
      }
    });
  }

  function suggest() {
    var q = queryText();
    if (q === lastQuery) {
      return;
    }
    lastQuery = q;
    if (q.trim().length < 3) {
      render([]);
      return;
    }
    var ticket = ++latest;
    var url = suggestUrl + "?q=" + encodeURIComponent(q) + "&form=" + encodeURIComponent(formName) +
      "&category=" + encodeURIComponent(categoryValue()) + "&visit=" + encodeURIComponent(visitInput.value);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (data && data.visit) {
          visitInput.value = data.visit;
        }
        if (ticket === latest) { // an older, slower answer never replaces a newer one
          render((data && data.results) || []);
        }
      })
      .catch(function () { /* no suggestions: the form works without them */ });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 300);
  }

  fields.forEach(function (field) {
    field.addEventListener("input", schedule);
  });
}());
