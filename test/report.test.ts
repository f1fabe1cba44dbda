/**
 * sedjoule report, as a user runs it (node dist/cli.js, built by `npm test` first), on small sweep
 * folders made here, and the page opened in headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core; no browser is downloaded) from a file:// URL: every plot drawn with data, no
 * console or page errors, nothing fetched from outside the file, a sortable runs table, and a
 * screenshot kept in test/artifacts/report.png.
 *
 * The main folder is measured through the fake NVML library (test/fake/fake_nvml.c, the test
 * double the energy tests use), so that the GPU utilisation panels have data on a machine
 * without a GPU. Its power is scripted, not driven by the load, so net energy means nothing there
 * and the report is asked for gross energy. A second folder, CPU-only, checks the labels of
 * modelled energy and the sentence an empty panel shows.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseCsv } from '../src/util/csv.js';
import { packageRoot } from '../src/version.js';
import { KERNEL_COLUMNS, RUN_COLUMNS } from '../src/report/csv-export.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.warn(`report tests in Chromium skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-report-'));
const fakeNvml = path.join(packageRoot, 'build', 'Release', 'libsedjoule_fake_nvml.so');
const artifacts = path.join(packageRoot, 'test', 'artifacts');

function sedjoule(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Two tiny configurations of each of three families, so every family has a fit line. */
const GRID = [
  { arch: 'mlp', layers: 1, width: 16 },
  { arch: 'mlp', layers: 2, width: 64 },
  { arch: 'cnn', layers: 1, width: 4 },
  { arch: 'cnn', layers: 2, width: 8 },
  { arch: 'crnn', 'conv-layers': 1, 'rnn-layers': 1, 'conv-width': 4, 'rnn-width': 8 },
  { arch: 'crnn', 'conv-layers': 1, 'rnn-layers': 1, 'conv-width': 8, 'rnn-width': 16 },
];
const RUNS = GRID.length;

/** Random data, one epoch, no cool-down, a 0.2 s idle baseline: a second or two per folder. */
function sweep(out: string, extra: string[], env: Record<string, string> = {}): void {
  const grid = path.join(root, 'grid.json');
  fs.writeFileSync(grid, JSON.stringify(GRID));
  const args = [
    'sweep',
    '--grid',
    grid,
    '--data',
    'random',
    '--input',
    '1,64,32',
    '--clips',
    '48',
    '--test-clips',
    '32',
    '--epochs',
    '1',
    '--run-passes',
    '20',
  ];
  const r = sedjoule([...args, '--cooldown', '0', '--idle', '0.2', '--sample-ms', '10', '--out', out, '--json', ...extra], env);
  expect(r.status, r.stderr).toBe(0);
}

// A fake GPU whose energy counter publishes every millisecond (so even a few-millisecond test
// window has a reading) and whose power alternates, so the trace has a shape.
const FAKE_GPU = {
  SEDJOULE_NVML_LIB: fakeNvml,
  FAKE_NVML_POWER_PATTERN: '250:0.05,150:0.05',
  FAKE_NVML_COUNTER_PERIOD_MS: '1',
  FAKE_NVML_POWER_PERIOD_MS: '10',
  FAKE_NVML_UTIL_GPU: '35',
};

const gpuFolder = path.join(root, 'gpu');
const cpuFolder = path.join(root, 'cpu');
let browser: Browser | undefined;

beforeAll(async () => {
  sweep(gpuFolder, [], FAKE_GPU);
  sweep(cpuFolder, ['--no-nvml']);
  if (haveChromium) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }
}, 300_000);

afterAll(async () => {
  await browser?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  errors: string[];
  outside: string[];
}

/** Opens a report from its file:// URL, recording console errors, page errors and any request not for a local file. */
async function open(file: string): Promise<Opened> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  const outside: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) outside.push(r.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, errors, outside };
}

interface PlotCount {
  id: string;
  empty: string | null;
  points: number;
  fits: number;
  flopBars: number;
  energyBars: number;
  traces: number;
  tracePathLength: number;
  windows: number;
  titles: number;
}

/** Per figure[data-plot], the SVG elements drawn. */
function countPlots(page: Page): Promise<PlotCount[]> {
  return page.$$eval('figure[data-plot]', (figures) =>
    figures.map((f) => ({
      id: f.getAttribute('data-plot')!,
      empty: f.getAttribute('data-empty'),
      points: f.querySelectorAll('svg circle.pt').length,
      fits: f.querySelectorAll('svg path.fit').length,
      flopBars: f.querySelectorAll('svg rect.bar.flops').length,
      energyBars: f.querySelectorAll('svg rect.bar.energy').length,
      traces: f.querySelectorAll('svg path.trace').length,
      tracePathLength: Math.max(0, ...Array.from(f.querySelectorAll('svg path.trace')).map((p) => (p.getAttribute('d') ?? '').length)),
      windows: f.querySelectorAll('svg rect.window').length,
      titles: f.querySelectorAll('svg title').length,
    })),
  );
}

function report(folder: string, name: string, extra: string[] = []) {
  const out = path.join(root, name, 'report.html');
  const r = sedjoule(['report', folder, '-o', out, '--bootstrap', '200', '--json', ...extra]);
  expect(r.status, r.stderr).toBe(0);
  return { out, summary: JSON.parse(r.stdout), html: fs.readFileSync(out, 'utf8') };
}

describe('sedjoule report', () => {
  it.skipIf(!haveChromium)('writes one offline page in which every plot is drawn with data (headless Chromium)', async () => {
    const { out, summary, html } = report(gpuFolder, 'gpu-report', ['--energy-basis', 'gross']);
    expect(summary).toMatchObject({
      command: 'report',
      runs: RUNS,
      missing: 0,
      energy: { basis: 'gross', kind: 'measured', methods: ['nvml-counter'] },
    });
    expect(summary.plots.filter((p: { empty?: string }) => p.empty)).toEqual([]);

    // Self-contained: no external scripts, style sheets, fonts or images (url(#id) is a clip
    // path inside the page).
    expect(html).not.toMatch(/<script[^>]+src=|<link\b|@import|url\((?!#)|<img\b|https?:\/\//i);

    const { page, errors, outside } = await open(out);
    try {
      const plots = await countPlots(page);
      const byId = new Map(plots.map((p) => [p.id, p]));
      const scatter = plots.filter((p) => p.id.startsWith('scatter-'));
      expect(scatter.map((p) => p.id).sort()).toEqual(
        ['flops', 'params', 'gpu-util'].flatMap((v) => ['train', 'test', 'run'].map((ph) => `scatter-${ph}-${v}`)).sort(),
      );
      for (const p of scatter) {
        expect(p.empty, p.id).toBeNull();
        // One point per configuration, each with its exact values in a <title>.
        expect(p.points, p.id).toBe(RUNS);
        expect(p.titles, p.id).toBeGreaterThanOrEqual(RUNS);
        // A fit line per family (two configurations each) and the pooled one; none for utilisation.
        expect(p.fits, p.id).toBe(p.id.endsWith('gpu-util') ? 0 : 4);
      }
      for (const phase of ['train', 'test', 'run']) {
        const k = byId.get(`kernels-${phase}`)!;
        expect(k.empty).toBeNull();
        expect(k.flopBars).toBeGreaterThan(0);
        expect(k.energyBars).toBeGreaterThanOrEqual(k.flopBars);
      }
      const trace = byId.get('trace')!;
      expect(trace.empty).toBeNull();
      expect(trace.traces).toBe(2); // nvml:0 and the modelled CPU
      expect(trace.tracePathLength).toBeGreaterThan(10);
      // idle baseline, epoch-1, train, test, run
      expect(trace.windows).toBe(5);

      // The attribution model is said in the kernel plots, beside exact FLOPs.
      const kernelCaption = await page.locator('figure[data-plot="kernels-train"] figcaption').innerText();
      expect(kernelCaption).toContain('ATTRIBUTED');
      expect(kernelCaption).toContain('an attribution model, not a measurement');
      expect(await page.locator('figure[data-plot="kernels-train"] svg').innerHTML()).toContain('exact counts');
      // The energy basis and method on every scatter plot.
      for (const subtitle of await page.locator('figure[data-plot^="scatter-"] .plot-subtitle').allInnerTexts())
        expect(subtitle).toContain('gross (idle power included) · all devices · nvml-counter');

      // The runs table: one row per run, sortable by a click on a header.
      const table = page.locator('table#runs');
      expect(await table.locator('tbody tr').count()).toBe(RUNS);
      const paramsHead = table.locator('th', { hasText: /^params$/ });
      const paramsColumn = async () =>
        table
          .locator('tbody tr')
          .evaluateAll(
            (rows, col) => rows.map((r) => Number((r as HTMLTableRowElement).cells[col as number].getAttribute('data-sort'))),
            await paramsHead.getAttribute('data-col').then(Number),
          );
      await paramsHead.click();
      const ascending = await paramsColumn();
      expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
      await paramsHead.click();
      const descending = await paramsColumn();
      expect(descending).toEqual([...ascending].reverse());
      expect(await page.locator('a[href="runs.csv"]').count()).toBe(1);
      expect(await page.locator('a[href="kernels.csv"]').count()).toBe(1);

      fs.mkdirSync(artifacts, { recursive: true });
      const shot = path.join(artifacts, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`report screenshot: ${shot}`);
      expect(fs.statSync(shot).size).toBeGreaterThan(10_000);

      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('exports runs.csv (one row per run) and kernels.csv (one row per kernel ledger row) beside the page', () => {
    const { out } = report(gpuFolder, 'csv-report', ['--energy-basis', 'gross']);
    const dir = path.dirname(out);
    const records = fs
      .readdirSync(path.join(gpuFolder, 'runs'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(gpuFolder, 'runs', f), 'utf8')));
    const analysis = JSON.parse(sedjoule(['analyze', gpuFolder, '--energy-basis', 'gross', '--bootstrap', '200', '--json']).stdout);

    const runs = parseCsv(fs.readFileSync(path.join(dir, 'runs.csv'), 'utf8'), 'runs.csv');
    expect(runs.header).toEqual(RUN_COLUMNS);
    expect(runs.rows.map((r) => r.fields[0]).sort()).toEqual(records.map((r) => r.key).sort());
    const col = (name: string) => RUN_COLUMNS.indexOf(name);
    for (const row of runs.rows) {
      expect(row.fields).toHaveLength(RUN_COLUMNS.length);
      const key = row.fields[0];
      for (const phase of ['train', 'test', 'run']) {
        const o = analysis.observations.find((x: { key: string; phase: string }) => x.key === key && x.phase === phase);
        // The figure the analysis uses, at full precision.
        expect(Number(row.fields[col(`${phase}_energy_j`)])).toBe(o.energyJ);
        expect(Number(row.fields[col(`${phase}_flops`)])).toBe(o.flops);
        expect(row.fields[col(`${phase}_energy_methods`)]).toBe('nvml-counter');
        expect(row.fields[col(`${phase}_energy_missing`)]).toBe('');
      }
      expect(Number(row.fields[col('map')])).toBe(records.find((r) => r.key === key).phases.test.metrics.mAP);
    }

    const kernels = parseCsv(fs.readFileSync(path.join(dir, 'kernels.csv'), 'utf8'), 'kernels.csv');
    expect(kernels.header).toEqual(KERNEL_COLUMNS);
    const ledgerRows = records.reduce((a, r) => a + ['train', 'test', 'run'].reduce((b, p) => b + r.phases[p].kernels.length, 0), 0);
    expect(kernels.rows).toHaveLength(ledgerRows);
    const k = (name: string) => KERNEL_COLUMNS.indexOf(name);
    // Attributed energy adds up to at most the phase's energy (the rest is outside kernels), and
    // FLOPs add up to the phase's counted total exactly.
    for (const record of records) {
      for (const phase of ['train', 'test', 'run']) {
        const rows = kernels.rows.filter((r) => r.fields[0] === record.key && r.fields[k('phase')] === phase);
        expect(rows).toHaveLength(record.phases[phase].kernels.length);
        expect(rows.reduce((a, r) => a + Number(r.fields[k('flops')]), 0)).toBe(record.phases[phase].totals.flops);
        const o = analysis.observations.find((x: { key: string; phase: string }) => x.key === record.key && x.phase === phase);
        const attributed = rows.reduce((a, r) => a + Number(r.fields[k('energy_attributed_j')]), 0);
        expect(attributed).toBeGreaterThan(0);
        expect(attributed).toBeLessThanOrEqual(o.energyJ * (1 + 1e-9));
        for (const r of rows) expect(r.fields[k('energy_attribution')]).toContain('kernel time');
      }
    }
  });

  it.skipIf(!haveChromium)('labels modelled energy and says why a panel is empty (CPU-only runs)', async () => {
    const { out, summary } = report(cpuFolder, 'cpu-report');
    expect(summary.energy).toMatchObject({ kind: 'modelled', methods: ['modelled'] });
    const { page, errors } = await open(out);
    try {
      const plots = await countPlots(page);
      for (const p of plots.filter((x) => x.id.startsWith('scatter-') && !x.id.endsWith('gpu-util'))) expect(p.points, p.id).toBe(RUNS);
      for (const p of plots.filter((x) => x.id.endsWith('gpu-util'))) {
        expect(p.empty, p.id).toContain('no GPU utilisation: CPU-only runs');
        expect(p.points).toBe(0);
        expect(await page.locator(`figure[data-plot="${p.id}"] p.why`).innerText()).toContain('no GPU utilisation: CPU-only runs');
      }
      for (const title of await page.locator('figure[data-plot^="scatter-"] .plot-title').allInnerTexts())
        expect(title).toContain('MODELLED');
      expect(await page.locator('figure[data-plot="trace"] .plot-title').innerText()).toContain('MODELLED');
      expect(await page.locator('.modelled-banner').count()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows a phase whose energy source could not be read as missing, with the reason, never as 0', async () => {
    // A copy of the GPU folder in which one run's test window lost its GPU reading.
    const folder = path.join(root, 'missing');
    fs.cpSync(gpuFolder, folder, { recursive: true });
    const file = path.join(folder, 'runs', 'grid_3_r0.json');
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    const reason = 'NVML read failed: GPU is lost (injected by the test)';
    const lose = (window: { sources: Array<{ id: string; joules: number | null; unavailable?: string; net?: unknown }> }) => {
      const gpu = window.sources.find((s) => s.id === 'nvml:0')!;
      gpu.joules = null;
      gpu.unavailable = reason;
      delete gpu.net;
    };
    lose(record.phases.test.energy);
    lose(record.energy.windows.find((w: { name: string }) => w.name === 'test'));
    fs.writeFileSync(file, JSON.stringify(record));

    const { out, summary, html } = report(folder, 'missing-report', ['--energy-basis', 'gross']);
    expect(summary.missing).toBe(1);
    expect(html).toContain(reason);

    const runs = parseCsv(fs.readFileSync(path.join(path.dirname(out), 'runs.csv'), 'utf8'), 'runs.csv');
    const row = runs.rows.find((r) => r.fields[0] === 'grid:3#r0')!.fields;
    expect(row[RUN_COLUMNS.indexOf('test_energy_j')]).toBe('');
    expect(row[RUN_COLUMNS.indexOf('test_energy_missing')]).toContain(reason);
    expect(row[RUN_COLUMNS.indexOf('train_energy_j')]).not.toBe('');

    if (!haveChromium) return;
    const { page, errors } = await open(out);
    try {
      const cell = page.locator('tr[data-run="grid:3#r0"] td').nth(
        await page
          .locator('table#runs th', { hasText: /^test energy$/ })
          .getAttribute('data-col')
          .then(Number),
      );
      expect(await cell.locator('.missing').innerText()).toBe('missing');
      expect(await cell.innerText()).toContain(reason);
      expect(await cell.getAttribute('data-sort')).toBe('');
      expect(await cell.innerText()).not.toMatch(/^0(\.0*)? J/);
      // The test panels plot the five runs that have energy and say one was left out.
      const plots = await countPlots(page);
      expect(plots.find((p) => p.id === 'scatter-test-flops')!.points).toBe(RUNS - 1);
      expect(await page.locator('figure[data-plot="scatter-test-flops"] p.note').innerText()).toContain(
        '1 configuration without test energy left out',
      );
      expect(await page.locator('#energy').innerText()).toContain(reason);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("tables the trace run's ledger per layer, or per module with --depth, summing to the phase's rows", () => {
    const record = JSON.parse(fs.readFileSync(path.join(gpuFolder, 'runs', 'grid_2_r0.json'), 'utf8'));
    /** Per row of the phase's table: its cells' data-sort values (raw numbers, or the module). */
    const tableRows = (html: string, phase: string) => {
      const table = new RegExp(`<table class="sortable" data-modules="${phase}">(.*?)</table>`).exec(html)?.[1] ?? '';
      const head = [...table.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
      const rows = [...(/<tbody>(.*)<\/tbody>/.exec(table)?.[1] ?? '').matchAll(/<tr>(.*?)<\/tr>/g)].map((m) =>
        [...m[1].matchAll(/data-sort="([^"]*)"/g)].map((c) => c[1]),
      );
      return { head, rows };
    };
    const kernels = record.phases.train.kernels as Array<{ layer: string; flops: number; calls: number }>;
    const sumOf = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const perLayer = tableRows(report(gpuFolder, 'layers', ['--energy-basis', 'gross', '--trace-run', 'grid:2']).html, 'train');
    expect(perLayer.head[0]).toBe('layer');
    expect(perLayer.rows.map((r) => r[0]).sort()).toEqual([...new Set(kernels.map((k) => k.layer))].sort());
    expect(sumOf(perLayer.rows.map((r) => Number(r[4])))).toBe(sumOf(kernels.map((k) => k.flops)));
    // Attributed energy: a number on every row (gross NVML energy was measured), not "missing".
    expect(perLayer.rows.every((r) => r[8] !== '' && Number(r[8]) >= 0)).toBe(true);
    expect(sumOf(perLayer.rows.map((r) => Number(r[8])))).toBeGreaterThan(0);
    // Default labels ("0:linear") have one part: at depth 1 every layer is its own module, the sums unchanged.
    const modules = tableRows(
      report(gpuFolder, 'modules', ['--energy-basis', 'gross', '--trace-run', 'grid:2', '--depth', '1']).html,
      'train',
    );
    expect(modules.head[0]).toBe('module');
    expect(sumOf(modules.rows.map((r) => Number(r[2])))).toBe(sumOf(kernels.map((k) => k.calls)));
    expect(sumOf(modules.rows.map((r) => Number(r[4])))).toBe(sumOf(kernels.map((k) => k.flops)));
  });

  it('names the run of the trace with --trace-run, and refuses an unknown one', () => {
    const { summary } = report(gpuFolder, 'trace-run', ['--energy-basis', 'gross', '--trace-run', 'grid:2']);
    expect(summary.traceRun).toBe('grid:2#r0');
    const bad = sedjoule(['report', gpuFolder, '-o', path.join(root, 'bad', 'report.html'), '--trace-run', 'grid:99']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--trace-run grid:99: no run has that key or configuration id; runs: grid:1#r0');
  });
});
