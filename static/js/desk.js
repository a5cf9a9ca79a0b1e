// Keeps the desk fresh without a full reload: every 30 s the rows are fetched again and swapped in,
// rows that changed are highlighted and the count is announced to screen readers. Ticked boxes survive.
(function () {
  "use strict";
  var wrap = document.querySelector("[data-refresh]");
  if (!wrap || !window.fetch) { return; }
  var seconds = parseInt(wrap.getAttribute("data-refresh-seconds"), 10) || 30;
  var status = document.getElementById("refresh-status");

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
        wrap.innerHTML = html;
        var changed = 0;
        wrap.querySelectorAll("tr[data-key]").forEach(function (row) {
          if (!before[row.getAttribute("data-key")]) { row.classList.add("changed"); changed += 1; }
          var box = row.querySelector("input[name=tickets]");
          if (box && ticked[box.value]) { box.checked = true; }
        });
        if (status && changed) { status.textContent = changed + " ticket" + (changed === 1 ? "" : "s") + " changed"; }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  window.setInterval(refresh, seconds * 1000);
})();
