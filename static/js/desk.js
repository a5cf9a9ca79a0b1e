// The desk, enhanced. Without script everything still works: boxes are ticked one by one and the page
// is reloaded by hand.
// - "Select all on this page": one box in the table's header (shown on a phone above the cards) ticks or
//   clears every row's box; it shows "mixed" when only some are ticked.
// - Keeps the desk fresh without a full reload: every 30 s the rows are fetched again and swapped in,
//   rows that changed are highlighted and the count is announced to screen readers. Ticked boxes survive.
(function () {
  "use strict";
  var wrap = document.querySelector("[data-refresh]");
  if (!wrap) { return; }
  var status = document.getElementById("refresh-status");

  function rowBoxes() { return wrap.querySelectorAll("input[name=tickets]"); }

  // The header box reflects the rows: ticked when all are, mixed when some are.
  function syncAll() {
    var all = document.getElementById("select-all");
    if (!all) { return; }
    var boxes = rowBoxes();
    var ticked = 0;
    boxes.forEach(function (box) { if (box.checked) { ticked += 1; } });
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
    all.disabled = boxes.length === 0;
  }

  // Shows the select-all box (hidden in the markup, as it needs script); called again after each refresh.
  function enhance() {
    var holder = wrap.querySelector("[data-select-all]");
    if (!holder) { return; }
    holder.hidden = false;
    var name = wrap.querySelector(".desk__select-name");
    if (name) { name.hidden = true; }  // the box's own label names the column now
    syncAll();
  }

  // One listener on the wrapper serves the rows swapped in later too.
  wrap.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "select-all") {
      rowBoxes().forEach(function (box) { box.checked = target.checked; });
      syncAll();
    } else if (target.name === "tickets") {
      syncAll();
    }
  });

  enhance();

  if (!window.fetch) { return; }
  var seconds = parseInt(wrap.getAttribute("data-refresh-seconds"), 10) || 30;

  function keys(root) {
    var seen = {};
    root.querySelectorAll("tr[data-key]").forEach(function (row) { seen[row.getAttribute("data-key")] = true; });
    return seen;
  }

  function refresh() {
    if (document.hidden || wrap.contains(document.activeElement) && document.activeElement.tagName === "SELECT") {
      return;
    }
    fetch(wrap.getAttribute("data-refresh"), { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var before = keys(wrap);
        var ticked = {};
        wrap.querySelectorAll("input[name=tickets]:checked").forEach(function (box) { ticked[box.value] = true; });
        var focused = document.activeElement && wrap.contains(document.activeElement) ? document.activeElement.id : "";
        wrap.innerHTML = html;
        var changed = 0;
        wrap.querySelectorAll("tr[data-key]").forEach(function (row) {
          if (!before[row.getAttribute("data-key")]) { row.classList.add("changed"); changed += 1; }
          var box = row.querySelector("input[name=tickets]");
          if (box && ticked[box.value]) { box.checked = true; }
        });
        enhance();
        // Keyboard users keep their place: the same box (or link) has focus after the swap.
        if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
        if (status && changed) {
          status.textContent = changed === 1
            ? wrap.getAttribute("data-changed-one")
            : wrap.getAttribute("data-changed-many").replace("COUNT", changed);
        }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  window.setInterval(refresh, seconds * 1000);
})();
