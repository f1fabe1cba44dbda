/**
 * The HTML document around the figures: one file that works offline. Everything is inline: the
 * style sheet, the SVG figures, and a few lines of script that sort the runs table. No fonts,
 * images or scripts are fetched (system fonts only), so the file can be mailed, archived, or
 * opened on a machine without a network.
 */
import { el, text } from './markup.js';

export interface Section {
  id: string;
  title: string;
  body: string;
}

const STYLE = `
:root { color-scheme: light; --ink: #1d1d1f; --muted: #666; --line: #d9d9de; --bg: #fff; --soft: #f5f5f7; --warn: #b00020; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
header, main, footer { max-width: 1320px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
nav a { margin-right: 14px; }
p.lead { color: var(--muted); margin: 4px 0 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.grid3 { display: grid; grid-template-columns: repeat(auto-fill, minmax(410px, 1fr)); gap: 14px; }
figure.panel { margin: 0; padding: 8px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); overflow-x: auto; }
figure.panel.wide { margin: 12px 0; }
figure.empty { background: var(--soft); }
figcaption { display: block; margin-bottom: 4px; }
.plot-title { display: block; font-weight: 600; }
.plot-subtitle { display: block; color: var(--muted); font-size: 12px; }
p.why { margin: 40px 12px; color: var(--muted); font-style: italic; }
p.note { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
svg.plot { display: block; max-width: 100%; height: auto; font-size: 11px; }
svg .grid { stroke: #ececf0; stroke-width: 1; }
svg .frame { fill: none; stroke: #9a9aa2; stroke-width: 1; }
svg .tick { fill: #555; }
svg .axis-title { fill: #333; font-size: 12px; }
svg .pt { stroke: #fff; stroke-width: 1; fill-opacity: 0.9; }
svg .pt:hover { stroke: #000; stroke-width: 2; }
svg .err { stroke-width: 1.2; stroke-opacity: 0.55; }
svg .fit { fill: none; stroke-width: 2; stroke-opacity: 0.85; }
svg .fit.pooled { stroke-dasharray: 6 4; stroke-width: 1.5; }
svg .bar.flops { fill-opacity: 0.9; }
svg .bar.energy { fill-opacity: 0.75; stroke: #8a3c00; stroke-dasharray: 3 2; stroke-width: 1; }
svg .bar:hover { fill-opacity: 1; }
svg .bar-label, svg .bar-value { fill: #333; }
svg .bar-value.muted { fill: #999; }
svg .bar-value.missing { fill: var(--warn); }
svg .col-title { font-weight: 600; fill: #222; }
svg .col-title.attributed { fill: #8a3c00; }
svg .col-sub { fill: #8a3c00; font-size: 10px; }
svg .trace { fill: none; stroke-width: 1.4; stroke-linejoin: round; }
svg .window.top { fill-opacity: 0.16; }
svg .window.child { fill-opacity: 0.35; stroke: #fff; stroke-width: 1; }
svg .window:hover { fill-opacity: 0.4; }
svg .window-label { fill: #333; font-size: 11px; }
svg .window-label.child { fill: #fff; font-size: 10px; }
ul.legend { list-style: none; padding: 0; margin: 4px 0 0; font-size: 12px; }
ul.legend li { margin: 1px 0; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; vertical-align: -1px; }
.swatch.dashed { border-radius: 0; height: 0; width: 16px; border-top: 2px dashed #444; vertical-align: 3px; }
.swatch.line { border-radius: 0; height: 3px; width: 16px; vertical-align: 3px; }
.swatch.window { border-radius: 2px; opacity: 0.5; }
table { border-collapse: collapse; margin: 8px 0; font-size: 12.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); position: sticky; top: 0; }
td.num, th.num { text-align: right; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; }
.table-wrap { overflow-x: auto; max-height: 80vh; }
.src { display: block; color: var(--muted); font-size: 11px; }
.src.modelled { color: #8a3c00; font-weight: 600; }
.missing { color: var(--warn); font-weight: 600; }
.why { display: block; color: var(--muted); font-size: 11px; max-width: 28em; white-space: normal; }
.muted { color: var(--muted); }
.val { white-space: nowrap; }
ul.legend.inline li { display: inline-block; margin-right: 16px; }
.modelled-banner { border: 1px solid #e0a060; background: #fff4e8; padding: 8px 12px; border-radius: 6px; }
details { margin: 6px 0; }
footer { color: var(--muted); font-size: 12px; padding: 24px 20px; }
`;

/** Sorts a table by the clicked column: numbers by value (data-sort), missing values last. */
const SCRIPT = `
document.querySelectorAll('table.sortable').forEach(function (table) {
  var heads = table.querySelectorAll('th');
  heads.forEach(function (th, col) {
    th.addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var numeric = th.getAttribute('data-type') === 'num';
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute('data-sort'), y = b.cells[col].getAttribute('data-sort');
        if (x === '' || x === null) return y === '' || y === null ? 0 : 1;
        if (y === '' || y === null) return -1;
        var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return ascending ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
`;

export function page(title: string, lead: string, sections: Section[], footer: string): string {
  const nav = el('nav', {}, ...sections.map((s) => el('a', { href: `#${s.id}` }, text(s.title))));
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    el('header', {}, el('h1', {}, text(title)), el('p', { class: 'lead' }, text(lead)), nav),
    el('main', {}, ...sections.map((s) => el('section', { id: s.id }, el('h2', {}, text(s.title)), s.body))),
    el('footer', {}, footer),
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
