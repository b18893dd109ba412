/* The compact register: a tap on a pupil's button cycles the mark.
 *
 * Each pupil's mark is a labelled <select> (the form without JavaScript). Here it is hidden
 * and a button takes its place: a tap moves the select to the next mark (Närvarande,
 * Frånvarande, Sen ankomst, Gick tidigare, and round again), the button shows the mark in
 * words and is aria-pressed while the mark is anything but "present", and its name is the
 * pupil's with the mark. The form still posts the select, so the server sees one form.
 * Runs on the page and on each register htmx swaps in after a save.
 */
(function () {
  "use strict";

  function enhance(root) {
    var selects = root.querySelectorAll("select.reg-kind:not([data-cycle])");
    Array.prototype.forEach.call(selects, function (select) {
      select.setAttribute("data-cycle", "");
      var name = document.getElementById(select.getAttribute("aria-labelledby"));
      var button = document.createElement("button");
      button.type = "button";
      button.className = "reg-cycle";

      function show() {
        var option = select.options[select.selectedIndex];
        button.textContent = option.text;
        button.setAttribute("aria-label", (name ? name.textContent : "") + ": " + option.text);
        button.setAttribute("aria-pressed", select.selectedIndex === 0 ? "false" : "true");
      }

      button.addEventListener("click", function () {
        select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        show();
      });
      show();
      select.hidden = true;
      select.insertAdjacentElement("afterend", button);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
})();
