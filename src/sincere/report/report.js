/* sincere report: the response browser. Data come from the JSON block and reach the page only
   through textContent, so no model output or dataset text is ever parsed as HTML. */
(function () {
  "use strict";

  var data = { conditions: [], items: [], rows: [] };
  var items = [];
  var rows = [];
  var HIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
  var BADGES = {
    correct: "ok", "no endorsement": "ok", reject: "ok", maintain: "ok",
    incorrect: "bad", endorse: "bad", capitulate: "bad",
    refusal: "warn", unclear: "warn", unscored: "warn"
  };
  var state = { matches: [], page: 0, size: 50 };
  var haystacks = [];

  function $(id) { return document.getElementById(id); }

  function reveal(text) {
    return String(text).replace(HIDDEN, function (c) {
      return "\u27e8U+" + ("000" + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4) + "\u27e9";
    });
  }

  function node(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (text !== undefined && text !== null) { el.textContent = reveal(text); }
    return el;
  }

  function badge(label) {
    var kind = Object.prototype.hasOwnProperty.call(BADGES, label) ? BADGES[label] : "";
    return node("span", kind ? "badge " + kind : "badge", label);
  }

  function item(row) { return items[row.i] || ["", "", "", [], []]; }

  function fillSelect(id, values) {
    var select = $(id);
    values.forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = reveal(value === "" ? "(none)" : value);
      select.appendChild(option);
    });
  }

  function distinct(pick, first) {
    var seen = Object.create(null);
    var out = [];
    (first || []).concat(rows.map(pick)).forEach(function (v) {
      if (!(v in seen)) { seen[v] = true; out.push(v); }
    });
    return out;
  }

  function haystack(index) {
    if (haystacks[index] === undefined) {
      var row = rows[index];
      var it = item(row);
      var parts = [it[0], it[2], row.r, row.x, row.c];
      row.m.forEach(function (m) { parts.push(m[1]); });
      row.s.forEach(function (s) { parts.push(s[1], s[3]); });
      haystacks[index] = parts.join("\n").toLowerCase();
    }
    return haystacks[index];
  }

  function filter() {
    var want = { c: $("f-condition").value, d: $("f-domain").value, k: $("f-correct").value, y: $("f-syc").value };
    var useC = $("f-condition").selectedIndex > 0, useD = $("f-domain").selectedIndex > 0;
    var useK = $("f-correct").selectedIndex > 0, useY = $("f-syc").selectedIndex > 0;
    var query = $("f-text").value.trim().toLowerCase();
    state.matches = [];
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if ((useC && row.c !== want.c) || (useD && item(row)[1] !== want.d)) { continue; }
      if ((useK && row.k !== want.k) || (useY && row.y !== want.y)) { continue; }
      if (query && haystack(i).indexOf(query) < 0) { continue; }
      state.matches.push(i);
    }
    state.page = 0;
    render();
  }

  function conditionCell(row) {
    var td = node("td");
    td.appendChild(node("span", "badge", row.c));
    td.appendChild(node("div", "small", item(row)[1]));
    if (row.x) { td.appendChild(node("div", "small", "claim \u2014 " + row.x)); }
    return td;
  }

  function conversation(row) {
    var it = item(row);
    var details = node("details");
    details.appendChild(node("summary", "", "Conversation (" + row.m.length + (row.m.length === 1 ? " message" : " messages") + ") and references"));
    row.m.forEach(function (m) {
      var msg = node("div", "msg");
      msg.appendChild(node("div", "role", m[0]));
      msg.appendChild(node("p", "txt", m[1]));
      details.appendChild(msg);
    });
    details.appendChild(node("div", "small", "Correct: " + it[3].join(" | ")));
    details.appendChild(node("div", "small", "Incorrect: " + it[4].join(" | ")));
    details.appendChild(node("div", "small", "Item: " + it[0]));
    return details;
  }

  function questionCell(row) {
    var td = node("td");
    td.appendChild(node("p", "txt question", item(row)[2]));
    td.appendChild(conversation(row));
    return td;
  }

  function scoresCell(row) {
    var td = node("td");
    row.s.forEach(function (s) {
      var div = node("div", "score");
      div.appendChild(node("span", "small", s[0] + " "));
      div.appendChild(badge(s[1] || "\u2014"));
      div.appendChild(node("span", "small", " " + s[2]));
      if (s[3]) { div.appendChild(node("span", "expl", s[3])); }
      td.appendChild(div);
    });
    return td;
  }

  function rowElement(index) {
    var row = rows[index];
    var tr = node("tr");
    tr.appendChild(node("td", "num", String(index + 1)));
    tr.appendChild(conditionCell(row));
    tr.appendChild(questionCell(row));
    var response = node("td");
    response.appendChild(node("div", "txt resp", row.r));
    tr.appendChild(response);
    tr.appendChild(scoresCell(row));
    return tr;
  }

  function render() {
    var total = state.matches.length;
    var pages = Math.max(1, Math.ceil(total / state.size));
    state.page = Math.min(state.page, pages - 1);
    var start = state.page * state.size;
    var shown = state.matches.slice(start, start + state.size);
    var body = $("rows");
    body.replaceChildren.apply(body, shown.map(rowElement));
    $("count").textContent = total === 0 ? "No response matches these filters (of " + rows.length + ")." :
      "Showing " + (start + 1) + "\u2013" + (start + shown.length) + " of " + total +
      " matching responses (" + rows.length + " in all).";
    $("responses-table").setAttribute("data-matches", String(total));
    $("page").textContent = "Page " + (state.page + 1) + " of " + pages;
    $("prev").disabled = state.page === 0;
    $("next").disabled = state.page >= pages - 1;
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  function load() {
    var raw = JSON.parse(document.getElementById("report-data").textContent);
    if (typeof raw.gzip !== "string") { return Promise.resolve(raw); }
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser cannot unpack the embedded data (no DecompressionStream)"));
    }
    var binary = atob(raw.gzip);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  function init() {
    fillSelect("f-condition", distinct(function (r) { return r.c; }, data.conditions));
    fillSelect("f-domain", distinct(function (r) { return item(r)[1]; }));
    fillSelect("f-correct", distinct(function (r) { return r.k; }));
    fillSelect("f-syc", distinct(function (r) { return r.y; }));
    ["f-condition", "f-domain", "f-correct", "f-syc"].forEach(function (id) {
      $(id).addEventListener("change", filter);
    });
    $("f-text").addEventListener("input", debounce(filter, 150));
    $("f-reset").addEventListener("click", function () {
      ["f-condition", "f-domain", "f-correct", "f-syc"].forEach(function (id) { $(id).selectedIndex = 0; });
      $("f-text").value = "";
      filter();
    });
    $("prev").addEventListener("click", function () { state.page -= 1; render(); });
    $("next").addEventListener("click", function () { state.page += 1; render(); });
    $("page-size").addEventListener("change", function () {
      state.size = parseInt($("page-size").value, 10) || 50;
      state.page = 0;
      render();
    });
    filter();
  }

  load().then(function (loaded) {
    data = loaded;
    items = data.items || [];
    rows = data.rows || [];
    init();
  }).catch(function (error) {
    $("count").textContent = "The responses could not be shown: " + error.message + ". They are in results.jsonl.";
  });
}());
