// "For whom?": the plain text box (a username or email address, which works without JavaScript) becomes
// an ARIA 1.2 combobox that searches as you type. Each input[data-person-search] gets a listbox of the
// people its asker may ask for, fetched from that address (?q=...) and announced in a live region; the
// server writes the words (translated), this script only builds elements and moves the focus.
(function () {
  "use strict";
  if (!window.fetch) { return; }
  var counter = 0;

  function picker(input) {
    counter += 1;
    var id = "person-picker-" + counter;
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var results = [];
    var active = -1;
    var timer = null;
    var asked = "";

    list.id = id + "-list";
    list.className = "person-picker__list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent.trim() : "");
    list.hidden = true;
    status.id = id + "-status";
    status.className = "sr-only";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.parentNode.classList.add("person-picker");
    input.insertAdjacentElement("afterend", status);
    input.insertAdjacentElement("afterend", list);

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var person = results[index];
      if (!person) { return; }
      input.value = person.username;
      asked = person.username;
      status.textContent = person.chosen;
      close();
      input.focus();
    }

    function show(data) {
      results = data.people || [];
      list.textContent = "";
      results.forEach(function (person, i) {
        var option = document.createElement("li");
        var name = document.createElement("span");
        var detail = document.createElement("span");
        option.id = id + "-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        name.className = "person-picker__name";
        name.textContent = person.name + " (" + person.username + ")";
        detail.className = "person-picker__detail";
        detail.textContent = person.detail;
        option.appendChild(name);
        if (person.detail) { option.appendChild(detail); }
        // mousedown, not click: the input keeps its focus, so the list does not close first.
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(option);
      });
      status.textContent = data.status || "";
      list.hidden = results.length === 0;
      active = -1;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      input.removeAttribute("aria-activedescendant");
    }

    function search() {
      var words = input.value.trim();
      if (words === asked) { return; }
      asked = words;
      if (words.length < 2) { show({ people: [] }); return; }
      var url = input.getAttribute("data-person-search") + "?q=" + encodeURIComponent(words);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && input.value.trim() === words) { show(data); }
        })
        .catch(function () { close(); });  // the plain box still works: the server checks what was typed
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open && results.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        highlight(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();  // choosing a person does not send the form
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("input[data-person-search]").forEach(picker);
}());
