/**
 * The runs table: one row per run, sortable by any column (a click on its header; numbers sort
 * numerically, a missing value last). Energy cells show the figure with its uncertainty and
 * source, or "missing" with the reason; titles hold the exact values.
 */
import { sig } from '../format/significant.js';
import { PHASES, type Phase } from '../records/run-record.js';
import { el, text } from './markup.js';
import { exact } from './numbers.js';
import type { PhaseCell, RunRow } from './run-rows.js';

interface Column {
  head: string;
  title: string;
  numeric: boolean;
  cell(row: RunRow): { html: string; sort: string | number | null; title?: string };
}

function plain(value: string | number | null, shown?: string, title?: string) {
  return { html: text(shown ?? (value === null ? '-' : String(value))), sort: value, title };
}

function energyCell(cell: PhaseCell | null, phase: Phase) {
  if (!cell) return { html: el('span', { class: 'muted' }, text('not run')), sort: null, title: `the run did not do the ${phase} phase` };
  if (cell.energyJ === null) {
    return {
      html: el('span', { class: 'missing' }, text('missing')) + el('span', { class: 'why' }, text(cell.missing ?? '')),
      sort: null,
      title: `missing: ${cell.missing}`,
    };
  }
  const u = cell.uncertaintyJ === null ? '' : ` ± ${sig(cell.uncertaintyJ, 2)}`;
  const modelled = cell.methods.includes('modelled');
  const title = [
    `${exact(cell.energyJ)} J ± ${exact(cell.uncertaintyJ)} J`,
    `methods: ${cell.methods.join(' + ')}; sources: ${cell.sources.join(', ')}`,
    ...cell.flags.map((f) => `caveat: ${f}`),
  ].join('\n');
  return {
    html:
      el('span', { class: 'val' }, text(`${sig(cell.energyJ)}${u} J`)) +
      el(
        'span',
        { class: `src${modelled ? ' modelled' : ''}` },
        text(`${modelled ? 'MODELLED' : cell.methods.join('+')}${cell.flags.length ? ' ⚑' : ''}`),
      ),
    sort: cell.energyJ,
    title,
  };
}

const COLUMNS: Column[] = [
  {
    head: 'run',
    title: 'run key: configuration id # repeat',
    numeric: false,
    cell: (r) =>
      plain(r.key, undefined, `${r.key}\nfront end: ${r.frontend}\ndata: ${r.data}\nmachine: ${r.machine}\nstarted ${r.startedAt}`),
  },
  { head: 'family', title: 'architecture family', numeric: false, cell: (r) => plain(r.family) },
  { head: 'model', title: 'model configuration', numeric: false, cell: (r) => plain(r.model) },
  { head: 'params', title: 'trainable parameters', numeric: true, cell: (r) => plain(r.params, r.params.toLocaleString('en-US')) },
  {
    head: 'epochs',
    title: 'training epochs; batch size in the title',
    numeric: true,
    cell: (r) => plain(r.epochs, String(r.epochs), `${r.epochs} epochs, batch ${r.batch}, lr ${r.lr}, seed ${r.seed}`),
  },
  ...PHASES.flatMap((phase): Column[] => [
    {
      head: `${phase} energy`,
      title: `${phase} phase energy (J) under the report's selection, ± uncertainty, with its method`,
      numeric: true,
      cell: (r) => energyCell(r.phases[phase], phase),
    },
    {
      head: `${phase} s`,
      title: `${phase} phase duration (s)`,
      numeric: true,
      cell: (r) => {
        const c = r.phases[phase];
        return c ? plain(c.durationS, sig(c.durationS), `${exact(c.durationS)} s`) : plain(null);
      },
    },
    {
      head: `${phase} GFLOP`,
      title: `${phase} phase counted FLOPs (GFLOP; exact in the title)`,
      numeric: true,
      cell: (r) => {
        const c = r.phases[phase];
        return c
          ? plain(c.flops, sig(c.flops / 1e9), `${exact(c.flops)} FLOPs, ${exact(c.macs)} MACs, ${exact(c.samples)} samples`)
          : plain(null);
      },
    },
  ]),
  {
    head: 'mAP',
    title: 'test mean average precision (macro ROC-AUC and micro F1 in the title)',
    numeric: true,
    cell: (r) =>
      plain(
        r.mAP,
        r.mAP === null ? '-' : sig(r.mAP),
        `mAP ${exact(r.mAP)}\nmacro ROC-AUC ${exact(r.macroRocAuc)}\nmicro F1 ${exact(r.microF1)}`,
      ),
  },
];

export function runsTable(rows: RunRow[]): string {
  const head = el(
    'tr',
    {},
    ...COLUMNS.map((c, i) =>
      el(
        'th',
        {
          'data-col': i,
          'data-type': c.numeric ? 'num' : 'text',
          title: `${c.title} (click to sort)`,
          class: c.numeric ? 'num' : undefined,
        },
        text(c.head),
      ),
    ),
  );
  const body = rows.map((row) =>
    el(
      'tr',
      { 'data-run': row.key },
      ...COLUMNS.map((c) => {
        const cell = c.cell(row);
        return el(
          'td',
          { 'data-sort': cell.sort === null ? '' : String(cell.sort), title: cell.title, class: c.numeric ? 'num' : undefined },
          cell.html,
        );
      }),
    ),
  );
  return el('table', { id: 'runs', class: 'runs sortable' }, el('thead', {}, head), el('tbody', {}, ...body));
}
