package report

// The page around its two large parts, written as html/template wrote it
// from html.tmpl (the template is kept as testdata/html.tmpl, and
// FuzzHTMLShellIsTemplates holds the two to the same bytes). It is not a
// template any more because executing one reaches text/template's
// evalField, whose reflect.Value.MethodByName with a name known only at run
// time makes the linker keep every exported method of every reachable type:
// with it, rootguard kept each operation of every AWS SDK client it links,
// and was 92 MB where 55 MB is enough (golang/go#72895, spf13/cobra#1956;
// BENCHMARKS.md, "Binary size and linker dead-code elimination";
// scripts/check-dce.sh keeps it so). Each part starts and ends in HTML text
// context; every value goes through h.text (HTML text, <title>'s RCDATA
// and double-quoted attributes, where html/template escapes a string
// alike) or is a number.

// writeHead writes the page from its start to the grid's header row: the
// counts, the filters and one column per check.
func (p *htmlPage) writeHead(h *htmlWriter) {
	h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
		`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">` + "\n" +
		`<meta name="referrer" content="no-referrer">` + "\n" +
		`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n" +
		`<meta name="generator" content="rootguard `)
	h.text(p.Version)
	h.raw("\">\n<title>rootguard audit — ")
	h.thousands(p.Accounts)
	h.raw(" accounts</title>\n")
	h.raw(htmlStyle)
	if p.Generated != "" {
		h.raw("Generated ")
		h.text(p.Generated)
	}
	if p.Version != "" {
		h.raw(" by rootguard ")
		h.text(p.Version)
	}
	h.raw(".</p>\n<ul class=\"counts\" id=\"summary\">\n")
	h.raw(`<li class="fail"><b id="count-fail">`)
	h.thousands(p.AccountSummary.Fail)
	h.raw("</b> accounts FAIL</li>\n" + `<li class="error"><b id="count-error">`)
	h.thousands(p.AccountSummary.Error)
	h.raw("</b> accounts ERROR</li>\n" + `<li class="pass"><b id="count-pass">`)
	h.thousands(p.AccountSummary.Pass)
	h.raw("</b> accounts PASS</li>\n" + `<li><b id="count-accounts">`)
	h.thousands(p.Accounts)
	h.raw("</b> accounts audited</li>\n")
	if len(p.Skipped) > 0 {
		h.raw(`<li class="skipped"><b id="count-skipped">`)
		h.int(len(p.Skipped))
		h.raw("</b> skipped (not ACTIVE)</li>")
	}
	h.raw("\n</ul>\n" + `<p class="meta" id="check-summary">Checks: `)
	h.thousands(p.Summary.Fail)
	h.raw(" fail, ")
	h.thousands(p.Summary.Error)
	h.raw(" error, ")
	h.thousands(p.Summary.Pass)
	h.raw(" pass, ")
	h.thousands(p.Summary.NotApplicable)
	h.raw(" not applicable.</p>\n")
	h.raw(htmlFilters)
	for _, c := range p.Columns {
		h.raw(`<option value="`)
		h.text(string(c.ID))
		h.raw(`">`)
		h.text(string(c.ID))
		h.raw("</option>\n")
	}
	h.raw("</select></label>\n" + `<label>Account <input type="search" name="q" id="f-q" placeholder="ID or name"></label>` + "\n" +
		`<output id="shown">`)
	h.thousands(p.Accounts)
	h.raw(" of ")
	h.thousands(p.Accounts)
	h.raw(" accounts shown</output>\n</form>\n" + `<div class="grid-wrap">` + "\n" + `<table class="grid" id="grid">` + "\n" +
		`<thead><tr><th class="acct">Account</th>`)
	for _, c := range p.Columns {
		h.raw(`<th title="`)
		h.text(c.Title)
		h.raw(`" data-check="`)
		h.text(string(c.ID))
		h.raw(`">`)
		h.text(string(c.ID))
		h.raw("<small>")
		if c.Fail != 0 {
			h.int(c.Fail)
			h.raw(" FAIL")
		}
		if c.Fail != 0 && c.Error != 0 {
			h.raw(" · ")
		}
		if c.Error != 0 {
			h.int(c.Error)
			h.raw(" ERROR")
		}
		if c.Fail == 0 && c.Error == 0 {
			h.raw("no problems")
		}
		h.raw("</small></th>")
	}
	h.raw("</tr></thead>\n")
}

// writeProblems closes the grid and writes the skipped accounts, the notes and
// the heading of the failures and errors.
func (p *htmlPage) writeProblems(h *htmlWriter) {
	h.raw("</table>\n</div>\n")
	if len(p.Skipped) > 0 {
		h.raw("<h2>Skipped accounts (not ACTIVE)</h2>\n" + `<ul id="skipped">`)
		for _, s := range p.Skipped {
			h.raw("<li>")
			h.text(s.AccountID)
			if s.Name != "" {
				h.raw(" (")
				h.text(s.Name)
				h.raw(")")
			}
			h.raw(": ")
			h.text(s.Status)
			h.raw("</li>")
		}
		h.raw("</ul>\n")
	}
	if len(p.Notes) > 0 {
		h.raw("<h2>Notes</h2>\n" + `<ul id="notes">`)
		for _, n := range p.Notes {
			h.raw("<li>")
			h.text(n)
			h.raw("</li>")
		}
		h.raw("</ul>\n")
	}
	h.raw(`<h2 id="problems">Failures and errors (`)
	h.int(p.Problems)
	h.raw(")</h2>\n")
	if p.Problems == 0 {
		h.raw("<p>None.</p>")
	}
}

// writeOthers opens the collapsed list of the passing and not applicable
// findings.
func (p *htmlPage) writeOthers(h *htmlWriter) {
	h.raw("\n" + `<details id="others"><summary><h2 style="display:inline">Passing and not applicable (`)
	h.int(p.Others)
	h.raw(")</h2></summary>\n")
}

// writeTail closes the page, with the script of the filters.
func (p *htmlPage) writeTail(h *htmlWriter) { h.raw(htmlTail) }

// htmlStyle runs from the page's style sheet to the summary's first line.
const htmlStyle = `<style>
:root { --fail:#c62828; --error:#b26a00; --pass:#2e7d32; --na:#78909c; --bg:#fafafa; --line:#ddd; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: var(--bg); color: #222; }
header, main { padding: 0 1.5rem; }
h1 { font-size: 1.3rem; margin: 1rem 0 .3rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.meta { color: #555; margin: 0 0 .8rem; }
.counts { display: flex; flex-wrap: wrap; gap: .6rem; margin: .5rem 0 1rem; padding: 0; list-style: none; }
.counts li { background: #fff; border: 1px solid var(--line); border-left-width: 6px; border-radius: 4px; padding: .4rem .8rem; min-width: 8rem; }
.counts b { display: block; font-size: 1.4rem; }
.counts .fail { border-left-color: var(--fail); } .counts .error { border-left-color: var(--error); }
.counts .pass { border-left-color: var(--pass); } .counts .skipped { border-left-color: var(--na); }
form#filters { position: sticky; top: 0; z-index: 3; background: var(--bg); padding: .5rem 0; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; border-bottom: 1px solid var(--line); }
form#filters label { display: flex; gap: .3rem; align-items: center; }
#shown { color: #555; }
.grid-wrap { overflow: auto; max-height: 75vh; border: 1px solid var(--line); background: #fff; }
table.grid { border-collapse: separate; border-spacing: 0; width: 100%; }
.grid th, .grid td { border-bottom: 1px solid var(--line); padding: .15rem .4rem; text-align: left; white-space: nowrap; }
.grid thead th { position: sticky; top: 0; background: #f0f0f0; z-index: 2; vertical-align: bottom; white-space: normal; min-width: 5.5rem; font-weight: 600; }
.grid thead th small { display: block; font-weight: normal; color: #555; }
.grid th.acct { min-width: 16rem; }
.grid tr.ou th { background: #e8eaf6; }
.grid td.cell { text-align: center; }
.grid td.cell a, .grid td.cell span { display: block; border-radius: 3px; padding: 0 .3rem; text-decoration: none; font-size: .8rem; font-weight: 600; color: #fff; }
.s-fail { background: var(--fail); } .s-error { background: var(--error); }
.s-pass { background: var(--pass); } .s-not_applicable { background: var(--na); }
.grid td.cell a.s-pass { background: #e8f5e9; color: var(--pass); font-weight: normal; }
.grid td.cell a.s-not_applicable { background: #eceff1; color: #546e7a; font-weight: normal; }
.grid td.cell span.s-not_run { background: none; color: #999; font-weight: normal; }
.grid td.dim { opacity: .25; }
.grid td.accterr a { color: var(--error); font-weight: 600; }
.badge { display: inline-block; border-radius: 3px; padding: 0 .35rem; color: #fff; font-size: .75rem; font-weight: 600; }
.access { color: #777; font-size: .8rem; }
article { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: .5rem .8rem; margin: .5rem 0; }
article:target { outline: 3px solid #3949ab; }
article h3 { font-size: 1rem; margin: 0 0 .3rem; }
article pre { background: #f5f5f5; padding: .4rem; overflow: auto; max-height: 20rem; }
code.fix { display: block; background: #263238; color: #eceff1; padding: .3rem .5rem; border-radius: 3px; white-space: pre-wrap; }
[hidden] { display: none !important; }
</style>
</head>
<body>
<header>
<h1>rootguard audit: root user posture</h1>
<p class="meta">`

// htmlFilters runs from the end of the header to the check filter's first
// option.
const htmlFilters = `</header>
<main>
<form id="filters" onsubmit="return false">
<label>Status
<select name="status" id="f-status">
<option value="all">all</option>
<option value="problems">FAIL or ERROR</option>
<option value="FAIL">FAIL</option>
<option value="ERROR">ERROR</option>
<option value="PASS">PASS</option>
<option value="NOT_APPLICABLE">not applicable</option>
</select></label>
<label>Check
<select name="check" id="f-check">
<option value="all">all checks</option>
`

// htmlTail closes the findings and the page, with the filters' script.
const htmlTail = `</details>
</main>
<script>
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var status = document.getElementById("f-status");
  var check = document.getElementById("f-check");
  var query = document.getElementById("f-q");
  var shown = document.getElementById("shown");

  function matches(s, want) {
    if (want === "all") { return true; }
    if (want === "problems") { return s === "FAIL" || s === "ERROR"; }
    return s === want;
  }

  function apply(keepHash) {
    var want = status.value, only = check.value, q = query.value.trim().toLowerCase();
    var visible = 0, total = 0;
    var groups = document.querySelectorAll("#grid tbody.group");
    for (var g = 0; g < groups.length; g++) {
      var rows = groups[g].querySelectorAll("tr.acct"), inGroup = 0;
      for (var r = 0; r < rows.length; r++) {
        var row = rows[r], cells = row.querySelectorAll("td[data-check]"), hit = false;
        total++;
        for (var c = 0; c < cells.length; c++) {
          var cell = cells[c], id = cell.getAttribute("data-check");
          var relevant = only === "all" || id === only || id === "*";
          cell.classList.toggle("dim", !relevant);
          if (relevant && matches(cell.getAttribute("data-status"), want)) { hit = true; }
        }
        if (q && row.getAttribute("data-account").toLowerCase().indexOf(q) < 0) { hit = false; }
        row.hidden = !hit;
        if (hit) { inGroup++; visible++; }
      }
      var header = groups[g].querySelector("tr.ou");
      if (header) { header.hidden = inGroup === 0; }
    }
    shown.textContent = visible.toLocaleString("en-US") + " of " + total.toLocaleString("en-US") + " accounts shown";
    if (!keepHash) {
      var p = new URLSearchParams();
      if (want !== "all") { p.set("status", want); }
      if (only !== "all") { p.set("check", only); }
      if (q) { p.set("q", q); }
      try { history.replaceState(null, "", p.toString() ? "#f:" + p.toString() : location.pathname); } catch (e) { }
    }
  }

  function fromHash() {
    var h = location.hash;
    if (h.indexOf("#f:") === 0) {
      var p = new URLSearchParams(h.slice(3));
      status.value = p.get("status") || "all";
      check.value = p.get("check") || "all";
      query.value = p.get("q") || "";
      apply(true);
      return;
    }
` +
	// A link to a finding inside the collapsed list opens it. (The
	// comment was the script's; html/template removed it and kept the
	// indentation before it, and the page keeps that line.)
	"    \n" +
	`    var target = h.length > 1 && document.getElementById(decodeURIComponent(h.slice(1)));
    var details = target && target.closest("details");
    if (details) { details.open = true; target.scrollIntoView(); }
  }

  form.addEventListener("input", function () { apply(false); });
  window.addEventListener("hashchange", fromHash);
  fromHash();
}());
</script>
</body>
</html>

`
