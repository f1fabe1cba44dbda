/**
 * `sedjoule report`: one self-contained HTML page about a results folder, and its tables as CSV.
 * The page is built from the analysis (analyze.ts) so that it shows the same energy figures, the
 * same points and the same fits as `sedjoule analyze`, with the energy's basis and methods named
 * on every plot.
 */
import fs from 'node:fs';
import path from 'node:path';

import { analyzeRecords, type AnalysisReport, type AnalyzeOptions } from '../analysis/analyze.js';
import { FAMILIES } from '../analysis/observations.js';
import { loadRunRecords, type LoadedRecords } from '../records/read-records.js';
import { PHASES, type RunRecord } from '../records/run-record.js';
import { readManifest, MANIFEST_FILE, type SweepManifest } from '../records/sweep-manifest.js';
import { packageVersion } from '../version.js';
import { ensureFolder, writeFileAtomic } from '../util/atomic.js';
import { caveatsTable, fitsTable, missingTable, trainTestTable } from './analysis-tables.js';
import { METHOD_TEXT } from './energy-label.js';
import { energyPanels, PANEL_VARIABLES } from './energy-panels.js';
import { energyPoints } from './energy-points.js';
import { focusRun } from './focus-run.js';
import { kernelFigures } from './kernel-bars.js';
import { moduleTables } from './module-table.js';
import { el, text } from './markup.js';
import { page, type Section } from './page.js';
import { powerTraceFigure } from './power-trace.js';
import { runRows } from './run-rows.js';
import { runsTable } from './runs-table.js';
import { renderScatter } from './scatter.js';
import { kernelsCsv, runsCsv } from './csv-export.js';

const RUNS_CSV = 'runs.csv';
const KERNELS_CSV = 'kernels.csv';

export interface ReportOptions extends AnalyzeOptions {
  /** Run key (or configuration id) whose power trace and kernels are shown; default the longest run. */
  traceRun?: string;
  title?: string;
  /** The focus run's layers grouped into modules by the first `depth` parts of their labels; absent: per layer. */
  depth?: number;
}

export interface PlotSummary {
  id: string;
  /** Points, bars or shaded windows drawn; 0 for an empty panel. */
  marks: number;
  empty?: string;
}

export interface ReportSummary {
  command: 'report';
  runs: number;
  skipped: LoadedRecords['skipped'];
  energy: AnalysisReport['energy'];
  traceRun: string;
  plots: PlotSummary[];
  missing: number;
  files?: { html: string; runsCsv: string; kernelsCsv: string };
}

export interface BuiltReport {
  html: string;
  runsCsv: string;
  kernelsCsv: string;
  analysis: AnalysisReport;
  summary: ReportSummary;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Sweep manifests of the input folders, for the header (status, failed runs). */
function manifestsOf(paths: string[]): Array<{ folder: string; manifest: SweepManifest }> {
  const out: Array<{ folder: string; manifest: SweepManifest }> = [];
  for (const folder of paths) {
    const file = path.join(folder, MANIFEST_FILE);
    if (!fs.existsSync(file)) continue;
    try {
      out.push({ folder, manifest: readManifest(file) });
    } catch {
      // A damaged manifest does not stop the report: the records are what it shows.
    }
  }
  return out;
}

function facts(items: Array<[string, string]>): string {
  return el('dl', { class: 'facts' }, ...items.flatMap(([k, v]) => [el('dt', {}, text(k)), el('dd', {}, text(v))]));
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function summarySection(records: RunRecord[], analysis: AnalysisReport, paths: string[], skipped: LoadedRecords['skipped']): string {
  const families = FAMILIES.filter((f) => records.some((r) => analysis.observations.some((o) => o.key === r.key && o.family === f)));
  const phases = PHASES.filter((p) => analysis.observations.some((o) => o.phase === p));
  const protocol = unique(
    records.map(
      (r) =>
        `${r.config.epochs} epochs, batch ${r.config.batchSize}, lr ${r.config.lr}, run phase ${r.config.runPasses} x batch ${r.config.runBatch}`,
    ),
  );
  const data = unique(
    records.map(
      (r) =>
        `${r.data.source}: ${r.data.train} train / ${r.data.test} test, input [${r.data.inputShape.join(', ')}], ${r.data.classes.length} classes`,
    ),
  );
  const items: Array<[string, string]> = [
    ['runs', `${records.length} (${plural(unique(records.map((r) => r.config.id)).length, 'configuration')})`],
    ['families', families.join(', ') || 'none'],
    ['phases', phases.join(', ') || 'none'],
    ['protocol', protocol.join('; ')],
    ['data', data.join('; ')],
    ['machines', analysis.machines.join('; ')],
    ['inputs', paths.join(', ') || '(records in memory)'],
  ];
  for (const { folder, manifest } of manifestsOf(paths)) {
    const failed = manifest.runs.filter((r) => r.status === 'failed');
    items.push([
      `sweep ${manifest.id}`,
      `${folder}: ${manifest.status}; ${manifest.counts.done} of ${manifest.counts.runs} runs done${failed.length ? `; failed: ${failed.map((r) => `${r.key} (${r.error ?? 'no error recorded'})`).join('; ')}` : ''}`,
    ]);
  }
  if (skipped.length) items.push(['files skipped', skipped.map((s) => `${s.file}: ${s.reason}`).join('; ')]);
  return facts(items) + el('h3', {}, text('train / test: energy per sample against counted FLOPs per sample')) + trainTestTable(analysis);
}

function energySection(records: RunRecord[], analysis: AnalysisReport): string {
  const e = analysis.energy;
  const banner =
    e.kind === 'modelled'
      ? el(
          'p',
          { class: 'modelled-banner' },
          text(
            "Every energy figure in this report is MODELLED (process CPU time x TDP / cores): no measured source (RAPL, NVML) was available. The figures follow CPU time, not the machine's power; treat relations to FLOPs as relations to time.",
          ),
        )
      : '';
  const sources = new Map<string, string>();
  for (const r of records) {
    for (const s of r.energy?.meter.sources ?? []) {
      sources.set(
        `${s.id}\u0000${s.name}`,
        `${s.id}: ${s.name}, ${s.source}${s.additive ? '' : ' (contains others: not added)'}; accuracy ${Math.round(s.accuracyFraction * 1000) / 10}% (${s.accuracySource})`,
      );
    }
  }
  return (
    banner +
    facts([
      ['basis', `${e.basis}: ${e.reason}`],
      ['devices', e.device],
      ['methods used', e.methods.map((m) => METHOD_TEXT[m]).join('; ') || 'none: no figure'],
      ['sources used', e.sources.join(', ') || 'none'],
      ['points', analysis.points === 'configs' ? 'one per configuration and phase: the mean of its repeats' : 'one per run'],
      ['bootstrap', `${analysis.bootstrap.resamples} resamples, seed ${analysis.bootstrap.seed}, 95% percentile intervals`],
    ]) +
    el('h3', {}, text('energy sources of these runs')) +
    el('ul', {}, ...[...sources.values()].map((s) => el('li', {}, text(s)))) +
    (analysis.notes.length ? el('h3', {}, text('notes')) + el('ul', {}, ...analysis.notes.map((n) => el('li', {}, text(n)))) : '') +
    el('h3', {}, text('missing energy (left out of plots and statistics, never counted as 0)')) +
    missingTable(analysis) +
    caveatsTable(analysis)
  );
}

function countMarks(html: string, pattern: RegExp): number {
  return (html.match(pattern) ?? []).length;
}

/** Builds the page and the CSV files from records in memory. */
function buildReportFromRecords(
  records: RunRecord[],
  options: ReportOptions = {},
  inputs?: { paths: string[]; skipped: LoadedRecords['skipped'] },
): BuiltReport {
  const paths = inputs?.paths ?? [];
  const skipped = inputs?.skipped ?? [];
  const analysis = analyzeRecords(records, options, { paths, records: records.length, skipped });
  const points = energyPoints(analysis);
  const panels = energyPanels(analysis, points, records);
  const focus = focusRun(records, options.traceRun);
  const rows = runRows(records, analysis);

  const plots: PlotSummary[] = [];
  const scatterHtml = PANEL_VARIABLES.map((v) => {
    const row = panels.filter((p) => p.id.endsWith(`-${v.id}`));
    for (const p of row) plots.push({ id: p.id, marks: p.points.length, ...(p.empty !== undefined ? { empty: p.empty } : {}) });
    return el('h3', {}, text(`energy against ${v.label}`)) + el('div', { class: 'grid3' }, ...row.map(renderScatter));
  }).join('');
  const kernels = kernelFigures(focus.record, analysis);
  for (const [i, figure] of kernels.entries()) {
    const id = /data-plot="([^"]+)"/.exec(figure)?.[1] ?? `kernels-${i}`;
    const empty = /data-empty="([^"]*)"/.exec(figure)?.[1];
    plots.push({ id, marks: countMarks(figure, /<rect class="bar /g), ...(empty !== undefined ? { empty } : {}) });
  }
  const trace = powerTraceFigure(focus.record, analysis, focus.chosenBy);
  const traceEmpty = /data-empty="([^"]*)"/.exec(trace)?.[1];
  plots.push({
    id: 'trace',
    marks: countMarks(trace, /<path class="trace"/g) + countMarks(trace, /<rect class="window /g),
    ...(traceEmpty !== undefined ? { empty: traceEmpty } : {}),
  });

  const sections: Section[] = [
    { id: 'summary', title: 'Runs at a glance', body: summarySection(records, analysis, paths, skipped) },
    { id: 'energy', title: 'Which energy', body: energySection(records, analysis) },
    {
      id: 'scatter',
      title: 'Energy against compute',
      body:
        el(
          'p',
          { class: 'lead' },
          text(
            `Each point is ${analysis.points === 'configs' ? 'a configuration (the mean of its repeats; error bars: the combined uncertainty of that mean)' : 'a run (error bars: its energy uncertainty)'}; lines are each family's log-log least-squares fit from the analysis (ln E = a + b ln x), the dashed line all families pooled. Axes are logarithmic where every value is positive. Hover a point or line for exact values.`,
          ),
        ) +
        scatterHtml +
        el('h3', {}, text('correlations and fits')) +
        fitsTable(analysis),
    },
    {
      id: 'kernels',
      title: 'Kernel by kernel',
      body:
        el(
          'p',
          { class: 'lead' },
          text(
            `${focus.chosenBy}. FLOPs are exact counts from each kernel's cost formula. Energy per kernel is ATTRIBUTED, not measured: a counter sees a device over a window, not a kernel, so each phase's energy is split over its kernels by their share of the phase's wall time (docs/report.md). Every run's kernels, with their attributed energy, are in ${KERNELS_CSV}.`,
          ),
        ) +
        kernels.join('') +
        el(
          'p',
          { class: 'lead' },
          text(
            `The same rows ${options.depth ? `grouped by module: the layers whose ledger labels share their first ${options.depth} part(s), parts split at '/' and '.' (an imported model's '/features/conv0/Conv' is in '/features' at depth 1)` : 'by the layer that made the call (its ledger label; sedjoule report --depth N groups them into modules)'}; energy ATTRIBUTED by time share as above. Hover a module for its layers; click a header to sort.`,
          ),
        ) +
        moduleTables(focus.record, analysis, options.depth),
    },
    { id: 'trace', title: 'Power trace', body: trace },
    {
      id: 'runs',
      title: 'Runs',
      body:
        el(
          'p',
          {},
          text(
            'Click a column header to sort. Energy: the report\'s selection (see "Which energy"), ± its uncertainty, with its method; "missing" carries the reason. Downloads: ',
          ),
          el('a', { href: RUNS_CSV, download: RUNS_CSV }, text(RUNS_CSV)),
          text(' (one row per run), '),
          el('a', { href: KERNELS_CSV, download: KERNELS_CSV }, text(KERNELS_CSV)),
          text(' (one row per kernel ledger row of every run and phase), written next to this file.'),
        ) + el('div', { class: 'table-wrap' }, runsTable(rows)),
    },
  ];
  const title = options.title ?? 'sedjoule report';
  const lead = `${plural(records.length, 'run')}; energy: ${analysis.energy.kind === 'modelled' ? 'MODELLED, ' : ''}${analysis.energy.basis}, ${analysis.energy.methods.join(' + ') || 'no source'}; generated ${new Date().toISOString()} by sedjoule ${packageVersion()}.`;
  const footer = text(
    `Regenerate with: sedjoule report ${paths.join(' ') || 'RESULTS'} -o report.html. Statistics as printed by sedjoule analyze (same records, same options). Energy per kernel is an attribution model; FLOPs, MACs and bytes are exact counts.`,
  );
  const html = page(title, lead, sections, footer);
  return {
    html,
    runsCsv: runsCsv(rows, analysis),
    kernelsCsv: kernelsCsv(records, analysis),
    analysis,
    summary: {
      command: 'report',
      runs: records.length,
      skipped,
      energy: analysis.energy,
      traceRun: focus.record.key,
      plots,
      missing: analysis.missing.length,
    },
  };
}

/** Reads the records under the paths (see records.ts) and builds the report. */
export function buildReport(paths: string | string[], options: ReportOptions = {}): BuiltReport {
  const list = Array.isArray(paths) ? paths : [paths];
  const loaded = loadRunRecords(list);
  return buildReportFromRecords(loaded.records, options, { paths: list, skipped: loaded.skipped });
}

/** Writes the page and, next to it, runs.csv and kernels.csv (each atomically). Returns their paths. */
export function writeReport(report: BuiltReport, htmlFile: string): { html: string; runsCsv: string; kernelsCsv: string } {
  const dir = path.dirname(path.resolve(htmlFile));
  ensureFolder(dir, 'report folder');
  const files = { html: path.resolve(htmlFile), runsCsv: path.join(dir, RUNS_CSV), kernelsCsv: path.join(dir, KERNELS_CSV) };
  writeFileAtomic(files.runsCsv, report.runsCsv);
  writeFileAtomic(files.kernelsCsv, report.kernelsCsv);
  // The page last: a page that exists has its CSV files beside it.
  writeFileAtomic(files.html, report.html);
  report.summary.files = files;
  return files;
}
