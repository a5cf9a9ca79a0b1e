// The team's composer: a canned reply fills the words, the step and the priority (nothing is sent until
// Send); the sentence under the words follows the choice of reply or internal note. Without JavaScript
// the "Use it" button does the same through the page's address.
(function () {
  "use strict";
  var form = document.querySelector("[data-composer]");
  if (!form) { return; }
  var body = form.querySelector("textarea[name=body]");
  var help = body && document.getElementById(body.id + "_helptext");

  function follow() {
    var chosen = form.querySelector("input[name=internal]:checked");
    if (chosen && help) { help.textContent = chosen.getAttribute("data-seen"); }
    form.classList.toggle("composer--internal", !!(chosen && chosen.value));
  }
  form.querySelectorAll("input[name=internal]").forEach(function (radio) { radio.addEventListener("change", follow); });
  follow();

  var canned = document.querySelector("[data-canned]");
  if (!canned) { return; }
  var use = canned.form.querySelector("button");
  if (use) { use.hidden = true; }
  canned.addEventListener("change", function () {
    var option = canned.options[canned.selectedIndex];
    if (!option.value) { return; }
    body.value = option.getAttribute("data-body");
    form.querySelector("[name=then]").value = option.getAttribute("data-then") || "";
    form.querySelector("[name=priority]").value = option.getAttribute("data-priority") || "";
    var reply = form.querySelector("input[name=internal][value='']");
    if (reply) { reply.checked = true; follow(); }
    body.focus();
  });
}());
