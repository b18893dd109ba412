/* The grade sheet from the keyboard: type a grade down the column.
 *
 * In a row's grade <select>, typing a letter that starts one of the values (A-F, G, I for
 * IG, "-" for the dash) sets it and moves the focus to the next row's select, so a class
 * is graded with one key per pupil. Other keys (Tab, arrows, Space) keep the select's own
 * behaviour; without JavaScript the selects are the form. Runs again on each sheet htmx
 * swaps in after a save.
 */
(function () {
  "use strict";

  function valueFor(select, key) {
    var k = key === "-" ? "\u2013" : key.toUpperCase();
    for (var i = 0; i < select.options.length; i++) {
      var v = select.options[i].value;
      if (v && v.charAt(0) === k) { return i; }
    }
    return -1;
  }

  function enhance(root) {
    var selects = root.querySelectorAll("select.gs-value:not([data-keys])");
    Array.prototype.forEach.call(selects, function (select) {
      select.setAttribute("data-keys", "");
      select.addEventListener("keydown", function (event) {
        if (event.ctrlKey || event.altKey || event.metaKey || event.key.length !== 1) { return; }
        var index = valueFor(select, event.key);
        if (index < 0) { return; }
        event.preventDefault();
        select.selectedIndex = index;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        var all = Array.prototype.slice.call(document.querySelectorAll("select.gs-value"));
        var next = all[all.indexOf(select) + 1];
        if (next) { next.focus(); }
        else {
          var save = select.form && select.form.querySelector("button[type=submit]");
          if (save) { save.focus(); }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
})();
