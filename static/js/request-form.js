/* The request form, progressively enhanced. Without this file the form works as is: every custom field
   shows, marked with its categories, and the server ignores those the chosen category does not use.

   1. Custom fields: show only the fields of the chosen category (and those every request uses). Hidden
      fields are disabled so they are not sent, and a required field that shows is marked required.
   Suggestions while typing are static/js/suggestions.js. */
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
}());
