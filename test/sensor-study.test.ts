/**
 * `sedjoule sensor-study` end to end, as users run it (the built CLI, the real load generator, real
 * polling threads, real files), against configurable fake sensors: the fake libnvidia-ml
 * (test/fake/fake_nvml.c) and the fake powercap writer (test/fake/fake_powercap.c) are the TEST
 * DOUBLES at the system boundary. Both follow the live load log the study writes, so the "sensor"
 * sees exactly the load the addon generated, filtered by the configured behaviour. For each
 * behaviour the study must recover it: update period within 5 %, averaging window within 10 %,
 * sampled fraction within 5 points, delay within one period, and naive-method errors equal to what
 * the configured model implies (the TypeScript oracle of the same model, test/sensor-model.ts,
 * applied to the bursts the study ran).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';

import { isEstimated, type MaybeEstimate } from '../src/sensors/estimate.js';
import type { SensorStudyResult } from '../src/sensors/study-result.js';
import type { TraceBurst } from '../src/sensors/trace.js';
import { parseCsv } from '../src/util/csv.js';
import { packageRoot } from '../src/version.js';
import { NvmlSensor, nvmlModel, type NvmlModel } from './sensor-model.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');
const release = path.join(packageRoot, 'build', 'Release');
const fakeNvml = path.join(release, 'libsedjoule_fake_nvml.so');
const fakePowercap = path.join(release, 'sedjoule_fake_powercap');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-sensor-study-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// Short plans: about half a minute per study. The CPU runs the load (there is no GPU here); the
// fake sensors turn its log into GPU or RAPL readings.
const QUICK: Record<string, string> = {
  device: 'cpu',
  'load-threads': '1',
  idle: '1',
  'step-cycles': '10',
  'step-busy': '0.6',
  'step-idle': '0.7',
  'burst-ms': '10,25',
  'burst-phases': '12',
  'burst-gap': '0.4',
  'naive-durations': '0.1,1',
  'naive-gap': '1.5',
  'protocol-s': '1',
};

/** The quick study's options, some replaced, then flags. */
function options(replaced: Record<string, string>, flags: string[]): string[] {
  return [...Object.entries({ ...QUICK, ...replaced }).flatMap(([k, v]) => [`--${k}`, v]), ...flags, '--no-progress', '--json'];
}

function value(e: MaybeEstimate): number {
  if (!isEstimated(e)) throw new Error(`not estimated: ${e.why}`);
  return e.value;
}

interface Ran {
  study: SensorStudyResult;
  out: string;
  bursts: TraceBurst[];
}

// Two units of this 2-core machine: a study takes one, the RAPL study both (its writer updates every
// millisecond and must not be starved); more at once would starve the polling threads.
let free = 2;
const waiting: Array<{ units: number; go: () => void }> = [];
async function slot<T>(units: number, work: () => Promise<T>): Promise<T> {
  if (free < units || waiting.length > 0) await new Promise<void>((go) => waiting.push({ units, go }));
  else free -= units;
  try {
    return await work();
  } finally {
    free += units;
    while (waiting.length > 0 && free >= waiting[0].units) {
      const next = waiting.shift()!;
      free -= next.units;
      next.go();
    }
  }
}

function runStudy(name: string, args: string[], env: NodeJS.ProcessEnv, units = 1): Promise<Ran> {
  const out = path.join(root, name);
  return slot(
    units,
    () =>
      new Promise<Ran>((resolve, reject) => {
        const child = spawn(process.execPath, [cli, 'sensor-study', '--out', out, ...args], { env: { ...process.env, ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => {
          if (code !== 0) return reject(new Error(`sensor-study ${name} exited ${code}: ${stderr}`));
          const study = JSON.parse(stdout) as SensorStudyResult;
          const loads = parseCsv(fs.readFileSync(path.join(out, 'loads.csv'), 'utf8'), 'loads.csv');
          const col = (n: string) => loads.header!.indexOf(n);
          const bursts = loads.rows.map((row) => ({
            label: row.fields[col('label')],
            intensity: Number(row.fields[col('intensity')]),
            plannedS: Number(row.fields[col('planned_s')]),
            startS: Number(row.fields[col('start_s')]),
            endS: Number(row.fields[col('end_s')]),
          }));
          resolve({ study, out, bursts });
        });
      }),
  );
}

const channel = (ran: Ran, id: string) => {
  const c = ran.study.channels.find((x) => x.channel === id);
  if (!c) throw new Error(`no channel ${id} in ${ran.study.channels.map((x) => x.channel).join(', ')}`);
  return c;
};

interface NvmlBehaviour {
  name: string;
  model: Partial<NvmlModel>;
  env: Record<string, string>;
  partTimeGap?: string;
}

const NVML_BEHAVIOURS: NvmlBehaviour[] = [
  {
    name: 'A100/H100-like: T 100 ms, boxcar W 25 ms (part-time)',
    model: { periodS: 0.1, windowS: 0.025, phaseS: 0.037 },
    env: { FAKE_NVML_POWER_PERIOD_MS: '100', FAKE_NVML_WINDOW_MS: '25', FAKE_NVML_GRID_PHASE_MS: '37' },
  },
  {
    name: 'Turing-like: T 100 ms, boxcar W 100 ms',
    model: { periodS: 0.1, windowS: 0.1, phaseS: 0.061 },
    env: { FAKE_NVML_POWER_PERIOD_MS: '100', FAKE_NVML_WINDOW_MS: '100', FAKE_NVML_GRID_PHASE_MS: '61' },
  },
  {
    name: 'Volta-like: T 20 ms, boxcar W 10 ms',
    model: { periodS: 0.02, windowS: 0.01, phaseS: 0.007 },
    env: { FAKE_NVML_POWER_PERIOD_MS: '20', FAKE_NVML_WINDOW_MS: '10', FAKE_NVML_GRID_PHASE_MS: '7' },
  },
  {
    name: 'exponential, tau 200 ms, T 100 ms',
    model: { periodS: 0.1, windowS: 0.2, shape: 'exponential', phaseS: 0.013 },
    env: {
      FAKE_NVML_POWER_PERIOD_MS: '100',
      FAKE_NVML_WINDOW_MS: '200',
      FAKE_NVML_WINDOW_SHAPE: 'exponential',
      FAKE_NVML_GRID_PHASE_MS: '13',
    },
    partTimeGap: '2',
  },
  {
    name: 'delayed 50 ms, T 100 ms, boxcar W 25 ms',
    model: { periodS: 0.1, windowS: 0.025, delayS: 0.05, phaseS: 0.029 },
    env: { FAKE_NVML_POWER_PERIOD_MS: '100', FAKE_NVML_WINDOW_MS: '25', FAKE_NVML_DELAY_MS: '50', FAKE_NVML_GRID_PHASE_MS: '29' },
  },
];

// The part-time study, kept for the report test.
const studies = new Map<string, Promise<Ran>>();

describe.concurrent.each(NVML_BEHAVIOURS)('fake NVML sensor: $name', (b) => {
  const model = nvmlModel(b.model);
  const T = model.periodS;
  let ran: Promise<Ran> | undefined;
  const study = () => {
    ran ??= runStudy(b.name.replace(/[^a-z0-9]+/gi, '-'), options(b.partTimeGap ? { 'burst-gap': b.partTimeGap } : {}, ['--no-rapl']), {
      SEDJOULE_NVML_LIB: fakeNvml,
      FAKE_NVML_LOAD_LOG: path.join(root, b.name.replace(/[^a-z0-9]+/gi, '-'), 'load.log'),
      FAKE_NVML_IDLE_W: String(model.idleW),
      FAKE_NVML_BUSY_W: String(model.busyW),
      ...b.env,
    });
    studies.set(b.name, ran);
    return ran;
  };

  it('recovers the update period of every field within 5 %, and the delay within one period', async () => {
    const r = await study();
    for (const id of ['nvml:0/power-instant', 'nvml:0/energy', 'nvml:0/power-average']) {
      expect(Math.abs(value(channel(r, id).updatePeriod.period) / T - 1), id).toBeLessThan(0.05);
    }
    const step = channel(r, 'nvml:0/power-instant').stepResponse;
    expect(Math.abs(value(step.delay) - model.delayS)).toBeLessThan(T);
    expect(Math.abs(value(channel(r, 'nvml:0/energy').stepResponse.delay) - model.delayS)).toBeLessThan(T);
  }, 300_000);

  it('recovers the averaging window within 10 % and its shape', async () => {
    const r = await study();
    const step = channel(r, 'nvml:0/power-instant').stepResponse;
    expect(step.filterShape).toBe(model.shape);
    expect(Math.abs(value(step.filterWidth) / model.windowS - 1)).toBeLessThan(0.1);
    const average = channel(r, 'nvml:0/power-average').stepResponse;
    expect(Math.abs(value(average.filterWidth) / model.averageWindowS - 1)).toBeLessThan(0.1);
  }, 300_000);

  it('recovers the sampled fraction of each period within 5 points', async () => {
    const pt = channel(await study(), 'nvml:0/power-instant').partTime;
    if (!('sampledFraction' in pt)) throw new Error(pt.why);
    const expected = model.shape === 'boxcar' ? Math.min(1, model.windowS / T) : 1;
    expect(Math.abs(value(pt.sampledFraction) - expected)).toBeLessThan(0.05);
  }, 300_000);

  it('finds the naive methods in error by what the model implies for the loads that ran', async () => {
    const r = await study();
    const naive = r.study.naive.find((n) => n.power === 'nvml:0/power-instant' && n.counter === 'nvml:0/energy');
    expect(naive).toBeDefined();
    const fromS = r.bursts[0].startS - 10;
    const sensor = new NvmlSensor(model, r.bursts, fromS);
    sensor.channels(0, fromS, r.bursts[r.bursts.length - 1].endS + 10); // computes every publication
    for (const load of naive!.loads) {
      const single = r.bursts.find((x) => x.label === `naive-${load.durationS}s-single`)!;
      const trueJ = model.busyW * (single.endS - single.startS);
      for (const method of load.sampled) {
        method.errors.forEach((error, phase) => {
          let energy = 0;
          let samples = 0;
          for (let t = single.startS + ((phase + 0.5) / method.errors.length) * method.intervalS; t < single.endS; t += method.intervalS) {
            energy += sensor.instantW(sensor.latestPublication(t)) * method.intervalS;
            ++samples;
          }
          // The fake's noise (0.5 W per reading, which the oracle does not draw) is the only
          // difference; each sample weighs interval / load, so 4 sigma of it, and the counter's 1 mJ.
          const noise = (4 * model.noiseW * method.intervalS * Math.sqrt(Math.max(1, samples))) / trueJ;
          expect(Math.abs(error - (energy / trueJ - 1)), `${load.durationS} s, every ${method.intervalS} s, phase ${phase}`).toBeLessThan(
            noise + 0.002,
          );
        });
      }
      if ('why' in load.corrected) throw new Error(load.corrected.why);
      expect(Math.abs(load.corrected.residual.value)).toBeLessThan(0.05);
    }
  }, 300_000);
});

describe('fake powercap writer: RAPL every millisecond, wrapping', () => {
  let ran: Promise<Ran> | undefined;
  let writer: ChildProcess | undefined;
  afterAll(() => writer?.kill('SIGTERM'));
  const study = () => {
    if (ran) return ran;
    const powercap = path.join(root, 'powercap');
    const out = path.join(root, 'rapl');
    fs.mkdirSync(powercap, { recursive: true });
    writer = spawn(fakePowercap, [powercap], {
      // 500 J: the package counter wraps every 8 to 25 s, so the study crosses a few wraps. Smaller
      // ranges make a writer stalled by a loaded machine look like a possible double wrap, which the
      // RAPL source rightly refuses to count.
      env: { ...process.env, FAKE_RAPL_LOAD_LOG: path.join(out, 'load.log'), FAKE_RAPL_MAX_RANGE_UJ: '500000000' },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(path.join(powercap, 'ready')) && Date.now() < deadline) spawnSync('sleep', ['0.05']);
    ran = runStudy('rapl', options({}, ['--no-nvml']), { SEDJOULE_POWERCAP_ROOT: powercap }, 2);
    return ran;
  };

  it('recovers the 1 ms update period, no delay, and the package and DRAM power through the wraps', async () => {
    const r = await study();
    const pkg = channel(r, 'rapl:package-0/energy');
    expect(Math.abs(value(pkg.updatePeriod.period) / 0.001 - 1)).toBeLessThan(0.05);
    expect(Math.abs(value(pkg.stepResponse.delay))).toBeLessThan(0.001);
    expect(Math.abs(value(pkg.stepResponse.idle) - 20)).toBeLessThan(1);
    expect(Math.abs(value(pkg.stepResponse.gain) - 45)).toBeLessThan(2);
    const dram = channel(r, 'rapl:dram-0/energy');
    expect(Math.abs(value(dram.stepResponse.idle) - 3)).toBeLessThan(0.3);
    expect(r.study.notes.join('\n')).toContain('no power reading');
  }, 300_000);

  it('writes every raw reading, the loads, the live load log and a report page', async () => {
    const r = await study();
    const samples = parseCsv(fs.readFileSync(path.join(r.out, 'samples.csv'), 'utf8'), 'samples.csv');
    expect(samples.header).toEqual(['trace', 'channel', 'method', 'quantity', 'unit', 'time_s', 'previous_read_s', 'value']);
    const pkgRows = samples.rows.filter((row) => row.fields[1] === 'rapl:package-0/energy' && row.fields[0] === 'study');
    expect(pkgRows.length).toBeGreaterThan(1000);
    const log = fs.readFileSync(path.join(r.out, 'load.log'), 'utf8').trim().split('\n');
    expect(log.filter((l) => l.startsWith('on ')).length).toBe(r.bursts.length);
    expect(fs.readFileSync(path.join(r.out, 'report.html'), 'utf8')).toContain('data-plot="step"');
  }, 300_000);
  it('analyses the saved readings again with --from: another target error, and a wall meter logged at the time', async () => {
    const r = await study();
    // A wall meter on its own clock (1234.5 s ahead), at 10 Hz, reading 30 W + 1.1 x the package's true power.
    const load = (t: number) => r.bursts.find((b) => t >= b.startS && t < b.endS)?.intensity ?? 0;
    const rows = ['time,watts'];
    for (let t = r.bursts[0].startS - 5; t < r.bursts[r.bursts.length - 1].endS + 5; t += 0.1)
      rows.push(`${(t + 1234.5).toFixed(3)},${(30 + 1.1 * (20 + 45 * load(t))).toFixed(3)}`);
    const wall = path.join(root, 'wall.csv');
    fs.writeFileSync(wall, `${rows.join('\n')}\n`);
    const again = spawnSync(
      process.execPath,
      [cli, 'sensor-study', '--from', r.out, '--target-error', '0.05', '--reference', wall, '--json'],
      {
        encoding: 'utf8',
      },
    );
    expect(again.status, again.stderr).toBe(0);
    const redone = JSON.parse(again.stdout) as SensorStudyResult;
    // The same readings give the same figures; only what was asked differs.
    expect(channel({ ...r, study: redone }, 'rapl:package-0/energy').updatePeriod).toEqual(
      channel(r, 'rapl:package-0/energy').updatePeriod,
    );
    expect(redone.settings.targetRelativeError).toBe(0.05);
    expect(channel({ ...r, study: redone }, 'rapl:package-0/energy').recommendation?.targetRelativeError).toBe(0.05);
    if (!('offset' in redone.reference)) throw new Error(redone.reference.why);
    expect(Math.abs(value(redone.reference.offset) - 1234.5)).toBeLessThan(0.1);
    const pkg = redone.reference.channels.find((c) => c.channel === 'rapl:package-0/energy')!;
    expect(Math.abs(value(pkg.gain) / (1 / 1.1) - 1)).toBeLessThan(0.05);
  }, 300_000);
});

describe('with nothing but the modelled CPU', () => {
  it('runs, and says plainly what cannot be studied without RAPL or NVML', async () => {
    const r = await runStudy('modelled', options({ 'naive-durations': '0.1' }, ['--no-nvml', '--no-rapl']), {});
    expect(r.study.channels.map((c) => c.channel)).toEqual(['cpu-model/energy']);
    const notes = r.study.notes.join('\n');
    expect(notes).toContain('MODELLED');
    expect(notes).toContain('no NVML channel');
    expect(notes).toContain('no RAPL zone');
  }, 300_000);

  it('refuses a bad list and a bad reference file before measuring anything', () => {
    const bad = spawnSync(process.execPath, [cli, 'sensor-study', '--burst-ms', '5,x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--burst-ms entry 2 of 2 must be a number');
    const csv = path.join(root, 'bad-reference.csv');
    fs.writeFileSync(csv, 'time,watts\n0,100\n1,abc\n');
    const ref = spawnSync(
      process.execPath,
      [cli, 'sensor-study', '--out', path.join(root, 'never'), '--reference', csv, ...options({}, [])],
      {
        encoding: 'utf8',
      },
    );
    expect(ref.status).not.toBe(0);
    // --json: the error is the JSON on stdout.
    expect(ref.stdout).toContain('bad-reference.csv');
    expect(fs.existsSync(path.join(root, 'never', 'study.json'))).toBe(false);
  });
});

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);

describe('the report page', () => {
  it.skipIf(!haveChromium)(
    'draws the step response, the coverage diagram and the naive errors with data (headless Chromium)',
    async () => {
      const ran = await (studies.get(NVML_BEHAVIOURS[0].name) ??
        runStudy('report', options({}, ['--no-rapl']), {
          SEDJOULE_NVML_LIB: fakeNvml,
          FAKE_NVML_LOAD_LOG: path.join(root, 'report', 'load.log'),
          ...NVML_BEHAVIOURS[0].env,
        }));
      const file = path.join(ran.out, 'report.html');
      const html = fs.readFileSync(file, 'utf8');
      // Offline: nothing fetched.
      expect(html).not.toMatch(/<script[^>]+src=|<link\b|@import|url\((?!#)|<img\b|https?:\/\//i);
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        await page.goto(`file://${file}`);
        const figures = await page.$$eval('figure[data-plot]', (all) =>
          all.map((f) => ({
            plot: f.getAttribute('data-plot'),
            empty: f.getAttribute('data-empty'),
            title: f.querySelector('.plot-title')?.textContent ?? '',
            points: f.querySelectorAll('svg circle').length,
            lines: [...f.querySelectorAll('svg path.fit')].filter((p) => (p.getAttribute('d') ?? '').length > 10).length,
            width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
          })),
        );
        const drawn = (plot: string, channel: string) => figures.find((f) => f.plot === plot && f.title.includes(channel));
        const step = drawn('step', 'nvml:0/power-instant')!;
        expect(step.empty).toBeNull();
        expect(step.points).toBeGreaterThan(50);
        expect(step.lines).toBe(1);
        expect(step.width).toBeGreaterThan(100);
        const coverage = drawn('coverage', 'nvml:0/power-instant')!;
        expect(coverage.empty).toBeNull();
        expect(coverage.points).toBe(24); // 2 lengths x 12 phases
        const naive = drawn('naive', 'nvml:0/power-instant')!;
        expect(naive.empty).toBeNull();
        expect(naive.lines).toBeGreaterThanOrEqual(2);
        expect(await page.locator('section#sensors table tbody tr').count()).toBe(ran.study.channels.length);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    300_000,
  );
});
