/* The catalog site's own script: home table filters and sorting, the packages page's and
   inventories' filters, copy buttons.
   No dependencies and no requests: the site must work without internet access. */
(function () {
  "use strict";

  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function setUpTable(table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.querySelectorAll("tr.catalog-row"));
    var empty = document.getElementById("catalog-empty");
    var count = document.getElementById("catalog-count");
    var text = document.getElementById("catalog-filter-text");
    var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-facet]"));
    var reset = document.getElementById("catalog-filter-reset");
    // What the text filter searches: the row's cells and the environment's tags ("key: value").
    var haystacks = rows.map(function (row) {
      return (row.textContent + " " + (row.getAttribute("data-tags") || "")).toLowerCase();
    });

    function facetValues(row, facet) {
      return (row.getAttribute("data-" + facet) || "").split("|");
    }

    function apply() {
      var words = (text.value || "").toLowerCase().split(/\s+/).filter(Boolean);
      var wanted = selects.map(function (select) { return [select.getAttribute("data-facet"), select.value]; })
        .filter(function (pair) { return pair[1] !== ""; });
      var shown = 0;
      rows.forEach(function (row, index) {
        var match = words.every(function (word) { return haystacks[index].indexOf(word) !== -1; }) &&
          wanted.every(function (pair) { return facetValues(row, pair[0]).indexOf(pair[1]) !== -1; });
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      empty.hidden = shown !== 0;
      count.textContent = shown === rows.length ? rows.length + " environments"
        : shown + " of " + rows.length + " environments";
      rememberInUrl(words.join(" "), wanted);
    }

    function rememberInUrl(query, wanted) {
      if (!window.history || !window.history.replaceState) { return; }
      var params = new URLSearchParams();
      if (query) { params.set("q", query); }
      wanted.forEach(function (pair) { params.set(pair[0], pair[1]); });
      var search = params.toString();
      window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
    }

    function sortBy(header) {
      var key = header.getAttribute("data-sort");
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th[data-sort]").forEach(function (other) { other.setAttribute("aria-sort", "none"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var sorted = rows.slice().sort(function (a, b) {
        var order = collator.compare(a.getAttribute("data-" + key) || "", b.getAttribute("data-" + key) || "") ||
          collator.compare(a.getAttribute("data-name"), b.getAttribute("data-name"));
        return ascending ? order : -order;
      });
      sorted.forEach(function (row) { body.insertBefore(row, empty); });
    }

    var params = new URLSearchParams(window.location.search);
    text.value = params.get("q") || "";
    selects.forEach(function (select) {
      var value = params.get(select.getAttribute("data-facet"));
      if (value !== null && Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
        select.value = value;
      }
      select.addEventListener("change", apply);
    });
    text.addEventListener("input", apply);
    reset.addEventListener("click", function () {
      text.value = "";
      selects.forEach(function (select) { select.value = ""; });
      apply();
    });
    table.querySelectorAll("th[data-sort] button").forEach(function (button) {
      button.addEventListener("click", function () { sortBy(button.parentNode); });
    });
    apply();
  }

  function matchesWords(text, words) {
    return words.every(function (word) { return text.indexOf(word) !== -1; });
  }

  // A build's package inventory: the rows whose text has every word typed.
  function setUpListFilters() {
    document.querySelectorAll("input.catalog-list-filter[data-filter]").forEach(function (input) {
      var name = input.getAttribute("data-filter");
      var table = document.getElementById(name);
      var count = document.querySelector(".catalog-list-count[data-count='" + name + "']");
      if (!table) { return; }
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
      input.addEventListener("input", function () {
        var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        var shown = 0;
        rows.forEach(function (row, index) {
          row.hidden = !matchesWords(texts[index], words);
          if (!row.hidden) { shown += 1; }
        });
        if (count) { count.textContent = words.length ? shown + " of " + rows.length : ""; }
      });
    });
  }

  // The packages page: search, one environment, or each environment's newest version only.
  function setUpPackages(table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tr.catalog-package-row"));
    var text = document.getElementById("packages-filter-text");
    var environment = document.getElementById("packages-filter-environment");
    var newest = document.getElementById("packages-filter-newest");
    var count = document.getElementById("packages-count");
    var empty = document.getElementById("packages-empty");

    function apply() {
      var words = (text.value || "").toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var any = false;
        row.querySelectorAll("a.catalog-package-env").forEach(function (link) {
          var visible = (!environment.value || link.getAttribute("data-environment") === environment.value) &&
            (!newest.checked || link.getAttribute("data-newest") === "true");
          link.hidden = !visible;
          any = any || visible;
        });
        var visibleText = (row.cells[0].textContent + " " + row.cells[1].textContent + " " +
          Array.prototype.filter.call(row.querySelectorAll("a.catalog-package-env"), function (link) { return !link.hidden; })
            .map(function (link) { return link.textContent; }).join(" ")).toLowerCase();
        row.hidden = !any || !matchesWords(visibleText, words);
        if (!row.hidden) { shown += 1; }
      });
      empty.hidden = shown !== 0;
      count.textContent = shown === rows.length ? rows.length + " package versions"
        : shown + " of " + rows.length + " package versions";
    }

    var params = new URLSearchParams(window.location.search);
    text.value = params.get("q") || "";
    text.addEventListener("input", apply);
    environment.addEventListener("change", apply);
    newest.addEventListener("change", apply);
    apply();
  }

  function copyText(value) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(value);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = value;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function setUpCopyButtons() {
    document.querySelectorAll("button.catalog-copy[data-copy-target]").forEach(function (button) {
      var label = button.textContent;
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy-target"));
        copyText(target ? target.textContent : "").then(function () {
          button.textContent = "Copied";
          button.setAttribute("data-copied", "true");
        }, function () {
          button.textContent = "Press Ctrl+C";
          if (target) { window.getSelection().selectAllChildren(target); }
        });
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  }

  // The page was generated on some day; count the days left from the reader's today.
  function updateDaysLeft() {
    var banner = document.getElementById("deprecation-banner");
    var shown = banner && banner.querySelector(".catalog-days-left");
    var day = banner && /^(\d{4})-(\d{2})-(\d{2})$/.exec(banner.getAttribute("data-delete-on") || "");
    if (!shown || !day) { return; }
    var now = new Date();
    var today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
    var days = Math.round((Date.UTC(+day[1], +day[2] - 1, +day[3]) - today) / 86400000);
    shown.textContent = days > 1 ? days + " days left" : days === 1 ? "1 day left"
      : days === 0 ? "deleted today" : "past its DeleteOn date by " + (-days) + " days";
  }

  function start() {
    var table = document.getElementById("catalog-table");
    if (table) { setUpTable(table); }
    var packages = document.getElementById("packages-table");
    if (packages) { setUpPackages(packages); }
    setUpListFilters();
    setUpCopyButtons();
    updateDaysLeft();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
