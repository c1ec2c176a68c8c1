/* The per-visitor fields of a form on a page that proxies may share (portal/forms.py).

   Such a page is sent with the CSRF token, the signed form time and the proof-of-work challenge empty, and
   without a session cookie. When the visitor first touches the form (or sends it), this fetches them from
   the input's data-form-token address (a no-store reply, which starts the session) and fills in the empty
   fields. A form sent before they arrive waits for them and then goes on by itself. challenge.js waits
   for the "portico:form-token" event to start its work.

   Without this file (no JavaScript) the server shows the form again with what was typed and a token,
   asking to send it again. */
(function () {
  "use strict";

  function attach(form, input) {
    var state = "idle"; // idle, fetching, filled
    var sendWhenFilled = null;

    function fill(values) {
      Object.keys(values).forEach(function (name) {
        Array.prototype.forEach.call(form.querySelectorAll('input[name="' + name + '"]'), function (field) {
          if (!field.value) {
            field.value = values[name];
          }
        });
      });
    }

    function done() {
      state = "filled";
      form.dispatchEvent(new Event("portico:form-token"));
      if (sendWhenFilled) {
        var submitter = sendWhenFilled.submitter;
        sendWhenFilled = null;
        if (form.requestSubmit) {
          form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
        } else {
          form.submit();
        }
      }
    }

    function start() {
      if (state !== "idle") {
        return;
      }
      state = "fetching";
      fetch(input.getAttribute("data-form-token"), {credentials: "same-origin", cache: "no-store",
                                                    headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) {
            throw new Error("form token: " + response.status);
          }
          return response.json();
        })
        .then(fill)
        .catch(function () { /* sent without: the server asks to send it again, with a token */ })
        .then(done);
    }

    form.addEventListener("focusin", start);
    form.addEventListener("submit", function (event) {
      if (state === "filled") {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation(); // the challenge starts once the fields are filled
      sendWhenFilled = {submitter: event.submitter};
      start();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-form-token]"), function (input) {
    var form = input.form;
    if (form && !form.hasAttribute("data-form-token-ready")) {
      form.setAttribute("data-form-token-ready", "");
      attach(form, input);
    }
  });
}());
