package report

import "html/template"

// page is the report's HTML. Its policy allows inline styles and scripts
// and data: images only: no request can leave the page.
var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<header><h1>{{.Title}}</h1><p id="generated"></p></header>
<main>
<section><h2>Summary</h2><table id="summary" class="summary"><tbody></tbody></table></section>
<section>
<h2>Keys</h2>
<div class="controls">
<input id="q" type="search" placeholder="filter by key, source or note" aria-label="filter">
<select id="filter" aria-label="kind">
<option value="all">all keys</option>
<option value="warnings">with warnings</option>
<option value="ties">ties</option>
<option value="newest">newest source not chosen</option>
<option value="problems">with problems</option>
</select>
<span id="count"></span>
</div>
<div id="detail" hidden></div>
<table id="keys" class="keys">
<thead><tr>
<th data-col="0">key</th><th data-col="1" class="num">rows</th><th data-col="3" class="num">versions</th>
<th data-col="7" class="state">state</th><th class="chart">rows over snapshots</th>
<th data-col="4">note</th><th data-col="5">warnings</th><th data-col="2">chosen source</th>
</tr></thead>
<tbody></tbody>
</table>
</section>
<section><h2>Problems</h2><table id="problems" class="problems"><thead><tr><th>source</th><th class="num">record</th><th>reason</th></tr></thead><tbody></tbody></table></section>
</main>
<script id="data" type="application/json">{{.Data}}</script>
<script>{{.JS}}</script>
</body>
</html>
`))

const css = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#fff}
header{background:#24364f;color:#fff;padding:12px 24px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;opacity:.8}
main{padding:0 24px 24px}
h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse}
.summary td{padding:2px 16px 2px 0;vertical-align:top}
.summary td:first-child{color:#5a6475}
.controls{display:flex;gap:8px;align-items:center;margin-bottom:8px}
.controls input{width:320px;padding:4px 6px}
.keys{width:100%;font-size:13px;table-layout:fixed}
.keys th:nth-child(1){width:16%}.keys th.num{width:64px}.keys th.state{width:80px}.keys th.chart{width:150px}
.keys td{overflow-wrap:anywhere}
.keys th{position:sticky;top:0;background:#eef1f5;text-align:left;padding:4px 6px;cursor:pointer;white-space:nowrap;border-bottom:1px solid #c9d0da}
.keys th.sorted-asc::after{content:" \25B2"}.keys th.sorted-desc::after{content:" \25BC"}
.keys td{padding:3px 6px;border-bottom:1px solid #eceff3;vertical-align:middle}
.keys tbody tr{cursor:pointer}
.keys tbody tr:hover{background:#f5f8fc}
.keys tr.sel{background:#e4edf9}
.num{text-align:right}
td.src{font-family:ui-monospace,Consolas,monospace;font-size:12px;color:#44506a;word-break:break-all}
td.warn{color:#a04b00}
td.chart{width:130px}
.state-loaded{color:#1d7a35}.state-pending{color:#7a5a00}.state-outdated,.state-downgrade{color:#b02a2a}
.tag{display:inline-block;border-radius:3px;padding:0 4px;font-size:11px;margin-right:3px;background:#eee}
.tag.tie{background:#e6e1f7}.tag.newest{background:#fde2cf}.tag.prob{background:#f8d0d0}
svg.spark{display:block}
#detail{border:1px solid #c9d0da;border-radius:4px;padding:8px 12px;margin-bottom:12px;background:#fafbfd}
#detail h3{margin:0 0 6px;font-size:15px}
#detail table td{padding:1px 10px 1px 0;font-size:12px}
.problems th{text-align:left;padding:2px 10px 2px 0}
.problems td{padding:2px 10px 2px 0;border-bottom:1px solid #eceff3;vertical-align:top}
.problems td:first-child{font-family:ui-monospace,Consolas,monospace;font-size:12px;word-break:break-all}
`

// script renders the report from the data element. It builds the key
// table in one pass, draws each row's chart when the row comes into view,
// and never touches the network.
const script = `
"use strict";
(function(){
var D = JSON.parse(document.getElementById("data").textContent);
var K = D.keys;
var F_WARN = 1, F_TIE = 2, F_NEWEST = 4, F_PROB = 8;
function esc(s){ return String(s).replace(/[&<>"']/g, function(c){ return {"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c]; }); }
function fmt(n){ return Number(n).toLocaleString("en-US"); }
document.getElementById("generated").textContent = (D.generated ? "generated " + D.generated : "") ;
var sb = document.querySelector("#summary tbody");
sb.innerHTML = D.summary.map(function(r){ return "<tr><td>" + esc(r[0]) + "</td><td>" + esc(r[1]) + "</td></tr>"; }).join("");
if (!D.states) { document.querySelectorAll(".state").forEach(function(e){ e.remove(); }); }
else {
  var seen = {};
  K.forEach(function(k){ if (k[7]) seen[k[7]] = 1; });
  var sel = document.getElementById("filter");
  Object.keys(seen).sort().forEach(function(s){ var o = document.createElement("option"); o.value = "state:" + s; o.textContent = "state: " + s; sel.appendChild(o); });
}
var pb = document.querySelector("#problems tbody");
pb.innerHTML = D.problems.length ? D.problems.map(function(p){ return "<tr><td>" + esc(p[0]) + "</td><td class=num>" + esc(p[1]) + "</td><td>" + esc(p[2]) + "</td></tr>"; }).join("") : "<tr><td colspan=3>none</td></tr>";

function spark(k, w, h, big){
  var v = k[8];
  if (!v.length) return "";
  var n = D.snaps.length, max = 0, i;
  for (i = 1; i < v.length; i += 2) if (v[i] > max) max = v[i];
  var pad = big ? 40 : 2, top = big ? 10 : 2, bottom = big ? 22 : 2;
  function x(s){ return pad + (n > 1 ? s * (w - pad - 6) / (n - 1) : (w - pad) / 2); }
  function y(r){ return h - bottom - (max ? r * (h - top - bottom) / max : 0); }
  var pts = [], dots = "";
  for (i = 0; i < v.length; i += 2) {
    pts.push(x(v[i]).toFixed(1) + "," + y(v[i+1]).toFixed(1));
    var chosen = (i / 2 === k[9]);
    if (big || chosen) {
      dots += "<circle cx=\"" + x(v[i]).toFixed(1) + "\" cy=\"" + y(v[i+1]).toFixed(1) + "\" r=\"" + (chosen ? (big ? 5 : 2.5) : 3) + "\" fill=\"" + (chosen ? "#d2541b" : "#3a6fb0") + "\">" +
        (big ? "<title>" + esc(D.snaps[v[i]] + (k[10] && k[10][i/2] ? k[10][i/2] : "!/" + k[0]) + ": " + fmt(v[i+1]) + " rows" + (chosen ? " (chosen)" : "")) + "</title>" : "") + "</circle>";
    }
  }
  var axes = "";
  if (big) {
    axes = "<line x1=\"" + pad + "\" y1=\"" + (h - bottom) + "\" x2=\"" + (w - 4) + "\" y2=\"" + (h - bottom) + "\" stroke=\"#999\"/>" +
      "<line x1=\"" + pad + "\" y1=\"" + top + "\" x2=\"" + pad + "\" y2=\"" + (h - bottom) + "\" stroke=\"#999\"/>" +
      "<text x=\"" + (pad - 4) + "\" y=\"" + (top + 8) + "\" text-anchor=\"end\" font-size=\"10\">" + fmt(max) + "</text>" +
      "<text x=\"" + (pad - 4) + "\" y=\"" + (h - bottom) + "\" text-anchor=\"end\" font-size=\"10\">0</text>" +
      "<text x=\"" + pad + "\" y=\"" + (h - 6) + "\" font-size=\"10\">" + esc(D.snaps[0] || "") + "</text>" +
      "<text x=\"" + (w - 4) + "\" y=\"" + (h - 6) + "\" text-anchor=\"end\" font-size=\"10\">" + esc(D.snaps[n - 1] || "") + "</text>";
  }
  return "<svg class=\"spark\" width=\"" + w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h + "\" role=\"img\">" + axes +
    "<polyline fill=\"none\" stroke=\"#3a6fb0\" stroke-width=\"" + (big ? 1.5 : 1) + "\" points=\"" + pts.join(" ") + "\"/>" + dots + "</svg>";
}

function tags(k){
  var t = "";
  if (k[6] & F_TIE) t += "<span class=\"tag tie\">tie</span>";
  if (k[6] & F_NEWEST) t += "<span class=\"tag newest\">newest not chosen</span>";
  if (k[6] & F_PROB) t += "<span class=\"tag prob\">problem</span>";
  return t;
}

var tbody = document.querySelector("#keys tbody");
var html = new Array(K.length);
for (var i = 0; i < K.length; i++) {
  var k = K[i];
  html[i] = "<tr data-i=\"" + i + "\" data-key=\"" + esc(k[0]) + "\"><td>" + esc(k[0]) + "</td><td class=num>" + fmt(k[1]) + "</td><td class=num>" + k[3] + "</td>" +
    (D.states ? "<td class=\"state-" + esc(k[7] || "unknown") + "\">" + esc(k[7] || "") + "</td>" : "") +
    "<td class=chart></td><td>" + tags(k) + esc(k[4]) + "</td><td class=warn>" + esc(k[5]) + "</td><td class=src>" + esc(k[2]) + "</td></tr>";
}
tbody.innerHTML = html.join("");
var rows = Array.prototype.slice.call(tbody.rows);

var io = ("IntersectionObserver" in window) ? new IntersectionObserver(function(es){
  es.forEach(function(e){
    if (!e.isIntersecting) return;
    var tr = e.target, c = tr.querySelector("td.chart");
    if (!c.firstChild) c.innerHTML = spark(K[+tr.dataset.i], 120, 24, false);
    io.unobserve(tr);
  });
}, {rootMargin: "200px"}) : null;
rows.forEach(function(tr){ if (io) io.observe(tr); else tr.querySelector("td.chart").innerHTML = spark(K[+tr.dataset.i], 120, 24, false); });

var q = document.getElementById("q"), filter = document.getElementById("filter"), count = document.getElementById("count");
function match(k, f, s){
  if (f === "warnings" && !(k[6] & F_WARN)) return false;
  if (f === "ties" && !(k[6] & F_TIE)) return false;
  if (f === "newest" && !(k[6] & F_NEWEST)) return false;
  if (f === "problems" && !(k[6] & F_PROB)) return false;
  if (f.indexOf("state:") === 0 && k[7] !== f.slice(6)) return false;
  if (s && (k[0] + "\n" + k[2] + "\n" + k[4] + "\n" + k[5]).toLowerCase().indexOf(s) < 0) return false;
  return true;
}
function apply(){
  var f = filter.value, s = q.value.toLowerCase(), shown = 0;
  for (var i = 0; i < rows.length; i++) {
    var ok = match(K[+rows[i].dataset.i], f, s);
    rows[i].hidden = !ok;
    if (ok) shown++;
  }
  count.textContent = shown + " of " + K.length + " keys";
  document.body.dataset.shown = shown;
}
q.addEventListener("input", apply);
filter.addEventListener("change", apply);

var sortCol = -1, sortDir = 1;
document.querySelectorAll("#keys th[data-col]").forEach(function(th){
  th.addEventListener("click", function(){
    var c = +th.dataset.col;
    sortDir = (c === sortCol) ? -sortDir : 1;
    sortCol = c;
    document.querySelectorAll("#keys th").forEach(function(h){ h.classList.remove("sorted-asc", "sorted-desc"); });
    th.classList.add(sortDir > 0 ? "sorted-asc" : "sorted-desc");
    rows.sort(function(a, b){
      var x = K[+a.dataset.i][c], y = K[+b.dataset.i][c];
      if (typeof x === "number") return (x - y) * sortDir;
      x = String(x || ""); y = String(y || "");
      return (x < y ? -1 : x > y ? 1 : 0) * sortDir;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function(r){ frag.appendChild(r); });
    tbody.appendChild(frag);
  });
});

var detail = document.getElementById("detail"), selected = null;
tbody.addEventListener("click", function(ev){
  var tr = ev.target.closest("tr");
  if (!tr) return;
  if (selected) selected.classList.remove("sel");
  selected = tr; tr.classList.add("sel");
  var k = K[+tr.dataset.i], v = k[8], list = "";
  for (var i = 0; i < v.length; i += 2) {
    list += "<tr><td>" + esc(D.snaps[v[i]] + (k[10] && k[10][i/2] ? k[10][i/2] : "!/" + k[0])) + "</td><td class=num>" + fmt(v[i+1]) + "</td><td>" + (i/2 === k[9] ? "chosen" : "") + "</td></tr>";
  }
  detail.innerHTML = "<h3>" + esc(k[0]) + "</h3><p>" + tags(k) + esc(k[4]) + (k[5] ? "<br><span class=warn>" + esc(k[5]) + "</span>" : "") + "</p>" +
    (v.length ? spark(k, Math.min(900, Math.max(400, detail.clientWidth - 30)), 180, true) + "<table><tbody>" + list + "</tbody></table>" : "<p>no candidates file: analyze or run with --report writes one</p>");
  detail.hidden = false;
});

var h = new URLSearchParams(location.hash.slice(1));
if (h.get("filter")) filter.value = h.get("filter");
if (h.get("q")) q.value = h.get("q");
apply();
document.body.dataset.ms = Math.round(performance.now());
document.body.dataset.ready = "1";
})();
`
