// Every table marked data-filter gets a search box above it: rows whose text does not contain
// the words typed (all of them, in any order, ignoring case) are hidden; the count is announced.
(function () {
  "use strict";
  document.querySelectorAll("table[data-filter]").forEach(function (table, index) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows);
    var label = document.createElement("label");
    label.className = "table-search";
    label.textContent = "Search ";
    var input = document.createElement("input");
    input.type = "search";
    input.id = "table-search-" + index;
    input.setAttribute("autocomplete", "off");
    label.appendChild(input);
    var count = document.createElement("span");
    count.className = "small";
    count.setAttribute("aria-live", "polite");
    label.appendChild(count);
    var holder = table.closest(".scroll") || table;
    holder.parentNode.insertBefore(label, holder);
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var keep = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !keep;
        shown += keep ? 1 : 0;
      });
      table.setAttribute("data-matches", String(shown));
      count.textContent = " " + shown + " of " + rows.length + " rows";
    }
    input.addEventListener("input", apply);
    apply();
  });
})();
