// sbom report: filters for the tables of a page. No network, no libraries.
// A form `form.filter[data-filter=NAME]` filters the rows of every
// `table[data-filter=NAME]`: its search box matches the row's text (every word must
// occur), each select matches the row's `data-SELECTNAME` attribute. Sections marked
// `data-filter-section=NAME` hide when none of their rows is shown. The page's query
// string (`?q=openssl&eco=deb`) fills the form, so links can point at a filtered view.
(function () {
  'use strict';

  function setup(form) {
    var name = form.getAttribute('data-filter');
    var noun = form.getAttribute('data-noun') || 'rows';
    var rows = [];
    document.querySelectorAll('table[data-filter="' + name + '"]').forEach(function (t) {
      Array.prototype.push.apply(rows, t.tBodies[0] ? t.tBodies[0].rows : []);
    });
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var sections = document.querySelectorAll('[data-filter-section="' + name + '"]');
    var selects = form.querySelectorAll('select');
    var search = form.querySelector('input[type="search"]');
    var count = form.querySelector('.count');

    function apply() {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var ok = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
        for (var s = 0; ok && s < selects.length; s++) {
          var want = selects[s].value;
          ok = !want || row.getAttribute('data-' + selects[s].name) === want;
        }
        row.hidden = !ok;
        if (ok) { shown++; }
      });
      sections.forEach(function (sec) {
        sec.hidden = !sec.querySelector('tbody > tr:not([hidden])');
      });
      count.textContent = shown + ' of ' + rows.length + ' ' + noun + ' shown';
    }

    var params = new URLSearchParams(window.location.search);
    params.forEach(function (value, key) {
      var field = form.elements.namedItem(key);
      if (field) { field.value = value; }
    });
    form.addEventListener('input', apply);
    form.addEventListener('change', apply);
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    form.hidden = false;
    apply();
  }

  document.querySelectorAll('form.filter[data-filter]').forEach(setup);
}());
