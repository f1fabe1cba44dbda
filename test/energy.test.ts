/**
 * The energy meter against test doubles at the system boundary: the fake NVML library
 * (test/fake/fake_nvml.c, loaded through nvmlLibrary / SEDJOULE_NVML_LIB, scripted by FAKE_NVML_*
 * variables it reads at nvmlInit) and fake powercap folders (through powercapRoot). The real
 * loading, sampling, window and uncertainty code runs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { carbonOf } from '../src/energy/carbon.js';
import { carbonLine, energyTable, probeText } from '../src/format/energy-table.js';
import { Meter, type MeterOptions } from '../src/energy/meter.js';
import { probe } from '../src/energy/probe.js';
import type { EnergyWindow, SourceWindow } from '../src/energy/types.js';
import { packageRoot } from '../src/version.js';
import { failure } from './helpers.js';

const fakeNvml = path.join(packageRoot, 'build', 'Release', 'libsedjoule_fake_nvml.so');
const noCpu: MeterOptions = { rapl: false, cpuModel: false };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Until the sampler has read every source at least once after this call, however slowly it runs here. */
async function afterNextRead(m: Meter): Promise<void> {
  const ticks = m.describe().overhead.ticks;
  while (m.describe().overhead.ticks < ticks + 2) await sleep(10);
}

/**
 * Burns `seconds` of this process's CPU time (process.cpuUsage: the clock the modelled CPU and the
 * stall check read), however long that takes on a loaded machine; returns the CPU seconds used.
 */
function burnCpu(seconds: number): number {
  const start = process.cpuUsage();
  const used = () => {
    const u = process.cpuUsage(start);
    return (u.user + u.system) / 1e6;
  };
  let x = 0;
  while (used() < seconds) for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + i);
  return Number.isNaN(x) ? 0 : used();
}

const started: Meter[] = [];
function meter(options: MeterOptions, env: Record<string, string> = {}): Meter {
  for (const key of Object.keys(process.env)) if (key.startsWith('FAKE_NVML_')) delete process.env[key];
  Object.assign(process.env, env);
  const m = Meter.start(options);
  started.push(m);
  return m;
}
afterEach(() => {
  while (started.length) started.pop()!.stop();
});

function source(window: EnergyWindow, id: string): SourceWindow {
  const s = window.sources.find((x) => x.id === id);
  if (!s) throw new Error(`no source ${id} in ${window.sources.map((x) => x.id)}`);
  return s;
}

async function windowOf(m: Meter, name: string, ms: number): Promise<EnergyWindow> {
  m.begin(name);
  await sleep(ms);
  return m.end(name);
}

describe('NVML through the fake library', () => {
  it('measures counter deltas, labelled nvml-counter, within the stated uncertainty', async () => {
    const m = meter({ ...noCpu, nvmlLibrary: fakeNvml }, { FAKE_NVML_POWER_W: '120' });
    const d = m.describe();
    expect(d.sources.map((s) => [s.id, s.source])).toEqual([['nvml:0', 'nvml-counter']]);
    expect(d.sources[0].details.uuid).toMatch(/^GPU-/);
    expect(d.periodS).toBeGreaterThanOrEqual(0.05);
    const w = await windowOf(m, 'run', 1500);
    const s = source(w, 'nvml:0');
    const expected = 120 * s.durationS;
    expect(s.joules).not.toBeNull();
    // The counter is published every 100 ms: each edge lags by up to 12 J, inside the uncertainty.
    expect(Math.abs(s.joules! - expected)).toBeLessThanOrEqual(s.uncertainty!.joules);
    expect(s.uncertainty!.quantisationJ).toBeCloseTo(Math.max(s.joules! / (s.durationS - 0.1), s.maxPowerW!) * 0.1, 6);
    expect(s.uncertainty!.accuracyJ).toBeCloseTo(0.05 * s.joules!, 6);
    expect(s.uncertainty!.derivation).toMatch(/counter update period/);
    // Every sample the sampler kept between the edges, however many a loaded machine allowed.
    expect(s.samples).toBeGreaterThan(0);
    expect(s.samples).toBe(m.trace().sources[0].timeS.filter((t) => t > w.startS && t < w.endS).length);
    expect(s.meanGpuUtilisationPct).toBe(50);
    expect(s.meanMemoryUtilisationPct).toBe(20);
    expect(s.peakMemoryBytes).toBe(2 ** 30);
    expect(s.tooShort).toBe(false);
    expect(w.total.joules).toBe(s.joules);
    expect(w.total.methods).toEqual(['nvml-counter']);
  });

  it('integrates power when the counter is not supported, and labels it so', async () => {
    const m = meter({ ...noCpu, nvmlLibrary: fakeNvml }, { FAKE_NVML_NO_ENERGY: '1', FAKE_NVML_POWER_PATTERN: '60:0.3,180:0.3' });
    const d = m.describe();
    expect(d.sources[0].source).toBe('nvml-power-integrated');
    expect(d.sources[0].supports.energyCounter).toBe(false);
    const w = await windowOf(m, 'run', 2400);
    const s = source(w, 'nvml:0');
    expect(s.source).toBe('nvml-power-integrated');
    // Mean of the square wave: 120 W; the integral of 50 ms samples is within the stated bound.
    expect(Math.abs(s.joules! - 120 * s.durationS)).toBeLessThanOrEqual(s.uncertainty!.joules);
    expect(s.maxPowerW).toBe(180);
    expect(s.uncertainty!.derivation).toMatch(/power sampled at most .* s apart/);
  });

  it('reports a missing library, and a failing init, cleanly', () => {
    const missing = meter({ ...noCpu, nvmlLibrary: '/nonexistent/libnvidia-ml.so.1' }).describe();
    expect(missing.sources).toEqual([]);
    expect(missing.discovery.nvml.available).toBe(false);
    expect(missing.discovery.nvml.status).toContain('/nonexistent/libnvidia-ml.so.1');
    const init = meter({ ...noCpu, nvmlLibrary: fakeNvml }, { FAKE_NVML_INIT_ERROR: '9' }).describe();
    expect(init.discovery.nvml.status).toMatch(/nvmlInit failed: 9/);
  });

  it('keeps measuring through read errors in the middle of a run, and flags the window', async () => {
    const m = meter({ ...noCpu, nvmlLibrary: fakeNvml }, { FAKE_NVML_FAIL_AFTER: '12', FAKE_NVML_FAIL_FOR: '4' });
    m.begin('run');
    // However slowly the sampler runs here: until the four failures have passed and it read again.
    const failed = () => m.describe().readFailures[0]?.failedReads ?? 0;
    while (failed() < 4) await sleep(20);
    await afterNextRead(m);
    const w = m.end('run');
    const s = source(w, 'nvml:0');
    expect(s.failedReads).toBeGreaterThan(0);
    expect(s.incomplete).toBe(true);
    expect(s.flag).toMatch(/read\(s\) failed inside the window/);
    expect(s.joules).not.toBeNull();
    expect(w.total.incomplete).toBe(true);
    const failures = m.describe().readFailures;
    expect(failures[0].id).toBe('nvml:0');
    expect(failures[0].lastError).toMatch(/15 \(/);
  });

  it('flags a stuck counter as stalled, with no figure, never 0 J', async () => {
    // The scripted counter never moves while the fake GPU reports 100 W.
    const m = meter({ ...noCpu, nvmlLibrary: fakeNvml }, { FAKE_NVML_COUNTER_SEQUENCE_MJ: '5000000' });
    const w = await windowOf(m, 'run', 400);
    const s = source(w, 'nvml:0');
    expect(s.joules).toBeNull();
    expect(s.stalled).toBe(true);
    expect(s.unavailable).toMatch(/stalled: the energy counter did not advance.*sampled power was up to 100 W/);
    expect(s.meanPowerW).toBe(100); // its own power readings stay
    expect(w.total.joules).toBeNull();
    expect(w.total.missing).toEqual([{ id: 'nvml:0', reason: s.unavailable }]);
    expect(energyTable(w)).toMatch(/nvml:0 .* unavailable: stalled/);
  });

  it('marks the window incomplete when the counter goes back (a driver reload)', async () => {
    // Energy reads: the discovery probe, the meter's first sample, the window's start; then the reset.
    const m = meter({ ...noCpu, nvmlLibrary: fakeNvml, periodMs: 10_000 }, { FAKE_NVML_COUNTER_RESET_AFTER: '3' });
    const w = await windowOf(m, 'run', 300);
    const s = source(w, 'nvml:0');
    expect(s.incomplete).toBe(true);
    expect(s.flag).toMatch(/counter step\(s\) inside the window failed the sanity check.*went back/);
    expect(s.joules).not.toBeNull();
    expect(w.total.incomplete).toBe(true);
    expect(m.describe().counterDiscontinuities![0]).toMatchObject({ id: 'nvml:0', count: 1 });
  });

  it('subtracts the idle baseline: gross and net', async () => {
    const m = meter({ ...noCpu, nvmlLibrary: fakeNvml }, { FAKE_NVML_POWER_W: '80' });
    const idle = await m.measureIdle(1);
    expect(idle.sources[0].powerW).toBeGreaterThan(70);
    expect(idle.sources[0].powerW).toBeLessThan(90);
    const w = await windowOf(m, 'run', 1200);
    const s = source(w, 'nvml:0');
    // Constant power: the net energy is zero within its uncertainty.
    expect(Math.abs(s.net!.joules)).toBeLessThanOrEqual(s.net!.uncertaintyJ);
    expect(s.net!.uncertaintyJ).toBeGreaterThan(s.uncertainty!.joules);
    expect(s.net!.idlePowerW).toBe(idle.sources[0].powerW);
  });

  it('flags a window too short for the sensor, and never reports it as zero', () => {
    const m = meter({ ...noCpu, nvmlLibrary: fakeNvml }, { FAKE_NVML_COUNTER_PERIOD_MS: '1000' });
    m.begin('blink');
    const w = m.end('blink');
    const s = source(w, 'nvml:0');
    expect(s.joules).not.toBe(0);
    if (s.joules === null) {
      expect(s.unavailable).toMatch(/shorter than two sensor update periods/);
      expect(w.total.joules).toBeNull();
      expect(w.total.missing[0].id).toBe('nvml:0');
    } else {
      expect(s.tooShort).toBe(true);
    }
  });

  it('nests windows and records every GPU', async () => {
    const m = meter({ ...noCpu, nvmlLibrary: fakeNvml }, { FAKE_NVML_DEVICES: '2', FAKE_NVML_POWER_STEP_W: '100' });
    m.begin('train');
    const epoch = await windowOf(m, 'epoch-1', 600);
    const train = m.end('train');
    expect(epoch.parent).toBe('train');
    expect(train.parent).toBeNull();
    const [a, b] = [source(train, 'nvml:0'), source(train, 'nvml:1')];
    // nvml:1 draws 100 W more: within both windows' stated uncertainty, whatever the edges' timing.
    expect(Math.abs(b.joules! - a.joules! - 100 * train.durationS)).toBeLessThanOrEqual(
      Math.hypot(a.uncertainty!.joules, b.uncertainty!.joules),
    );
    expect(train.total.joules).toBeCloseTo(a.joules! + b.joules!, 9);
    expect(train.total.uncertaintyJ).toBeCloseTo(Math.hypot(a.uncertainty!.joules, b.uncertainty!.joules), 9);
    expect(m.windows().map((w) => w.name)).toEqual(['epoch-1', 'train']);
    const trace = m.trace();
    expect(trace.sources.length).toBe(2);
    expect(trace.sources[0].timeS.length).toBeGreaterThan(5);
  });

  it('rejects misuse of windows with E_VALUE', async () => {
    const m = meter({ ...noCpu, nvmlLibrary: fakeNvml });
    expect((await failure(() => m.end('nothing'))).message).toContain("no open window named 'nothing'");
    m.begin('a');
    const e = await failure(() => m.begin('a'));
    expect(e.code).toBe('E_VALUE');
    expect(e.message).toContain("window 'a' is already open");
    expect((await failure(() => Meter.start({ periodMs: 0 }))).message).toMatch(/periodMs/);
    expect((await failure(() => Meter.start({ unknown: 1 } as MeterOptions))).message).toMatch(/unknown field 'unknown'/);
  });
});

describe('RAPL through a fake powercap folder', () => {
  function zone(dir: string, name: string, energyUj: number, maxRangeUj?: number) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'name'), `${name}\n`);
    fs.writeFileSync(path.join(dir, 'energy_uj'), `${energyUj}\n`);
    if (maxRangeUj !== undefined) fs.writeFileSync(path.join(dir, 'max_energy_range_uj'), `${maxRangeUj}\n`);
  }
  // Ranges of 4 kJ: a package at the 1000 W bound passes that in 4 s, far longer than the sampler's
  // period, so one wrap between reads is certain (energy/counter_check.h).
  function powercap() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-powercap-'));
    zone(path.join(root, 'intel-rapl:0'), 'package-0', 3_997_000_000, 4_000_000_000);
    zone(path.join(root, 'intel-rapl:0', 'intel-rapl:0:0'), 'core', 500_000, 4_000_000_000);
    zone(path.join(root, 'intel-rapl:0', 'intel-rapl:0:1'), 'dram', 100_000, 4_000_000_000);
    zone(path.join(root, 'intel-rapl:1'), 'psys', 2_000_000, 4_000_000_000);
    return root;
  }
  const set = (root: string, rel: string, uj: number) => fs.writeFileSync(path.join(root, rel, 'energy_uj'), `${uj}\n`);

  it('reads packages and DRAM, never adds nested or containing domains, and handles wrap-around', async () => {
    const root = powercap();
    const m = meter({ nvml: false, powercapRoot: root });
    const d = m.describe();
    expect(d.sources.map((s) => [s.id, s.source, s.additive]).sort()).toEqual([
      ['rapl:dram-0', 'rapl', true],
      ['rapl:package-0', 'rapl', true],
      ['rapl:psys', 'rapl', false],
    ]);
    expect(d.discovery.rapl.skipped!.join(' ')).toMatch(/core/);
    expect(d.discovery.cpuModel.used).toBe(false);

    m.begin('run');
    await sleep(300);
    set(root, 'intel-rapl:0', 3_999_500_000); // +2.5 J
    set(root, 'intel-rapl:0/intel-rapl:0:1', 600_000); // +0.5 J
    set(root, 'intel-rapl:1', 2_400_000); // +0.4 J, but psys contains the package
    await sleep(300);
    set(root, 'intel-rapl:0', 500_000); // wrapped at 4 kJ: +1 J more
    await sleep(300);
    const w = m.end('run');
    expect(source(w, 'rapl:package-0').incomplete).toBe(false);
    expect(source(w, 'rapl:package-0').joules).toBeCloseTo(3.5, 6);
    expect(source(w, 'rapl:dram-0').joules).toBeCloseTo(0.5, 6);
    expect(source(w, 'rapl:psys').joules).toBeCloseTo(0.4, 6);
    expect(w.total.joules).toBeCloseTo(4.0, 6);
    expect(w.total.sources.sort()).toEqual(['rapl:dram-0', 'rapl:package-0']);
    expect(source(w, 'rapl:package-0').uncertainty!.accuracyJ).toBeCloseTo(0.35, 6);
  });

  it('flags a stuck energy_uj as stalled while the process burns CPU, in the window, the table and the probe', async () => {
    const root = powercap(); // nothing rewrites the counters: they never move
    const m = meter({ nvml: false, powercapRoot: root });
    m.begin('busy');
    burnCpu(0.05);
    const w = m.end('busy');
    for (const id of ['rapl:package-0', 'rapl:dram-0', 'rapl:psys']) {
      const s = source(w, id);
      expect(s.joules, id).toBeNull();
      expect(s.stalled, id).toBe(true);
      expect(s.unavailable, id).toMatch(/stalled: .*this process used .* s of CPU time: a stuck counter, not zero energy/);
      expect(s.meanPowerW, id).toBeNull();
    }
    expect(w.total.joules).toBeNull();
    expect(w.total.missing.map((x) => x.id).sort()).toEqual(['rapl:dram-0', 'rapl:package-0']);
    expect(energyTable(w)).not.toMatch(/rapl +0\.00/);
    expect(energyTable(w)).toMatch(/rapl:package-0 .* unavailable: stalled/);

    const report = await probe({ nvml: false, powercapRoot: root, pollSeconds: 0.1, idleSeconds: 0.1, busySeconds: 0.2 });
    const pkg = report.sources.find((s) => s.id === 'rapl:package-0')!;
    expect(pkg.busy!.windowJ).toBeNull();
    expect(pkg.busy!.meanPowerW).toBeNull();
    expect(pkg.busy!.unavailable).toMatch(/stalled/);
    expect(pkg.idle.powerW).toBeNull();
    expect(probeText(report)).toMatch(/busy 0\.\d s \(load: ok\): energy unavailable: stalled/);
    expect(probeText(report)).not.toMatch(/mean 0\.0 W/);
  });

  it('takes a reset for a reset, not a wrap, and a jump for a jump: not counted, the window incomplete', async () => {
    const root = powercap();
    const m = meter({ nvml: false, powercapRoot: root });
    m.begin('run');
    // Each value must be read before the next replaces it, however slowly the sampler runs here.
    await afterNextRead(m);
    set(root, 'intel-rapl:0', 3_999_000_000); // +2 J
    await afterNextRead(m);
    set(root, 'intel-rapl:0', 1_000_000_000); // reset: as a wrap, 1002 J in one period
    await afterNextRead(m);
    set(root, 'intel-rapl:0', 1_001_000_000); // +1 J
    set(root, 'intel-rapl:0/intel-rapl:0:1', 100_000 + 1e15); // a jump of 1e9 J
    await afterNextRead(m);
    burnCpu(0.01);
    const w = m.end('run');
    const pkg = source(w, 'rapl:package-0');
    expect(pkg.joules).toBeCloseTo(3, 6);
    expect(pkg.incomplete).toBe(true);
    expect(pkg.flag).toMatch(/not a wrap.*taken as a reset/);
    const dram = source(w, 'rapl:dram-0');
    expect(dram.joules).toBe(0);
    expect(dram.incomplete).toBe(true);
    expect(dram.flag).toMatch(/jumped .*1e\+09 J in .* is above the bound of 1000 W/);
    expect(w.total.incomplete).toBe(true);
    expect(w.total.joules).toBeCloseTo(3, 6);
    expect(m.describe().sources.find((s) => s.id === 'rapl:package-0')!.powerBoundW).toBe(1000);
  });

  it('falls back to the modelled CPU, labelled, when RAPL cannot be read', async () => {
    const m = meter({ nvml: false, powercapRoot: path.join(os.tmpdir(), 'no-such-powercap'), cpuTdpWatts: 100, cpuCores: 4 });
    const d = m.describe();
    expect(d.discovery.rapl.available).toBe(false);
    expect(d.discovery.cpuModel.used).toBe(true);
    expect(d.discovery.cpuModel.reason).toMatch(/RAPL is unavailable/);
    expect(d.discovery.rapl.status).toMatch(/no-such-powercap/);
    expect(d.sources[0].source).toBe('modelled');
    m.begin('busy');
    const burnt = burnCpu(0.4);
    const w = m.end('busy');
    const s = source(w, 'cpu-model');
    // 25 W per busy core second: the window holds at least the CPU time burnt inside it.
    expect(s.joules!).toBeGreaterThanOrEqual(25 * burnt - 1e-3); // cpuUsage is in whole microseconds
    expect(s.uncertainty!.accuracyJ).toBeCloseTo(0.5 * s.joules!, 6);
    expect(w.total.methods).toEqual(['modelled']);
  });

  it('gives a capability message when energy_uj is not readable (a real permission denial)', () => {
    if (process.getuid?.() !== 0) {
      console.log('skipped: dropping privileges to test a permission denial needs root');
      return;
    }
    const root = powercap();
    fs.chmodSync(root, 0o755); // mkdtemp makes it 0700: the unprivileged child must reach the files
    for (const f of ['intel-rapl:0/energy_uj', 'intel-rapl:0/intel-rapl:0:1/energy_uj', 'intel-rapl:1/energy_uj'])
      fs.chmodSync(path.join(root, f), 0o400);
    const script = `import('${path.join(packageRoot, 'dist', 'index.js')}').then(({ Meter }) => {
      const m = Meter.start({ nvml: false, powercapRoot: '${root}' });
      console.log(JSON.stringify(m.describe()));
      m.stop();
    });`;
    const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.discovery.rapl.available).toBe(false);
    expect(d.discovery.rapl.status).toMatch(/permission|denied/i);
    expect(d.discovery.rapl.status).toMatch(/root/);
    expect(d.discovery.cpuModel.used).toBe(true);
    expect(d.sources.map((s: { source: string }) => s.source)).toEqual(['modelled']);
  });
});

describe('carbon', () => {
  it('turns net energy into kWh and gCO2e, with PUE only when given', () => {
    const window = {
      total: { joules: 7.2e6, uncertaintyJ: 3.6e5, netJoules: 3.6e6, netUncertaintyJ: 3.6e5 },
    } as unknown as EnergyWindow;
    const c = carbonOf(window)!;
    expect(c.basis).toBe('net');
    expect(c.kWh).toBe(1);
    expect(c.gCO2e).toBe(475);
    expect(c.gCO2eUncertainty).toBeCloseTo(47.5, 9);
    expect(c.pue).toBeNull();
    expect(c.intensitySource).toMatch(/CodeCarbon/);
    const p = carbonOf(window, { intensityGPerKWh: 50, pue: 1.5 })!;
    expect(p.gCO2e).toBeCloseTo(75, 9);
    const gross = carbonOf({ total: { joules: 3.6e6, uncertaintyJ: 0 } } as unknown as EnergyWindow)!;
    expect(gross.basis).toBe('gross');
    expect(carbonOf({ total: { joules: null } } as unknown as EnergyWindow)).toBeUndefined();
    expect(c.modelled).toBe(false);
    expect(carbonLine(c)).toMatch(/^carbon: /);
    expect(() => Meter.start({ carbon: { pue: 0.5 } })).toThrow(/PUE must be a finite number >= 1/);
  });
});

describe('carbon labels', () => {
  it('says MODELLED when a modelled source is summed, and PARTIAL when a source is missing', () => {
    const total = {
      joules: 3.6e6,
      uncertaintyJ: 0,
      incomplete: false,
      tooShort: false,
      sources: ['nvml:0', 'cpu-model'],
      methods: ['nvml-counter', 'modelled'],
      missing: [{ id: 'rapl:dram-0', reason: 'stalled: the energy counter did not advance' }],
      note: '',
    };
    const c = carbonOf({ total } as unknown as EnergyWindow)!;
    expect(c).toMatchObject({ methods: ['nvml-counter', 'modelled'], modelled: true, partial: true, missing: total.missing });
    expect(carbonLine(c)).toMatch(/^carbon \[MODELLED in part: sums nvml-counter \+ modelled.*; PARTIAL: missing rapl:dram-0 \(stalled/);
    const measured = carbonOf({ total: { ...total, methods: ['rapl'], missing: [], incomplete: true } } as unknown as EnergyWindow)!;
    expect(measured).toMatchObject({ modelled: false, partial: true, missing: [] });
    expect(carbonLine(measured)).toMatch(/^carbon \[PARTIAL: a lower bound/);
    const modelled = carbonOf({ total: { ...total, methods: ['modelled'], missing: [] } } as unknown as EnergyWindow)!;
    expect(carbonLine(modelled)).toMatch(/^carbon \[MODELLED: an estimate, not a measurement\]: /);
  });

  it('labels the carbon of a real window that adds a GPU counter and the modelled CPU', async () => {
    const m = meter({ nvmlLibrary: fakeNvml, rapl: false, cpuTdpWatts: 100, cpuCores: 4 });
    m.begin('run');
    burnCpu(0.05);
    await sleep(300);
    const w = m.end('run');
    expect(w.total.methods.sort()).toEqual(['modelled', 'nvml-counter']);
    expect(w.carbon!.modelled).toBe(true);
    expect(energyTable(w)).toMatch(/carbon \[MODELLED in part: sums (nvml-counter \+ modelled|modelled \+ nvml-counter)/);
  });
});

describe('probe', () => {
  it('measures update periods, idle power and counter-vs-power agreement', async () => {
    for (const key of Object.keys(process.env)) if (key.startsWith('FAKE_NVML_')) delete process.env[key];
    process.env.FAKE_NVML_COUNTER_PERIOD_MS = '100';
    process.env.FAKE_NVML_POWER_PERIOD_MS = '50';
    // Ten 10 ms steps: every 50 ms publication differs from the one before.
    process.env.FAKE_NVML_POWER_PATTERN = Array.from({ length: 10 }, (_, i) => `${100 + i}:0.01`).join(',');
    const report = await probe({ nvmlLibrary: fakeNvml, rapl: false, cpuCores: 2, pollSeconds: 1.5, idleSeconds: 0.6, busySeconds: 0.8 });
    const gpu = report.sources.find((s) => s.id === 'nvml:0')!;
    expect(typeof gpu.counterUpdate).toBe('object');
    const counter = gpu.counterUpdate as { periodS: number };
    const power = gpu.powerUpdate as { periodS: number };
    expect(counter.periodS).toBeGreaterThan(0.09);
    expect(counter.periodS).toBeLessThan(0.11);
    expect(power.periodS).toBeGreaterThan(0.04);
    expect(power.periodS).toBeLessThan(0.06);
    expect(gpu.idle.powerW).toBeGreaterThan(90);
    // No GPU to load here, so the load says why; the constant fake power still lets counter and
    // integrated power be compared.
    expect(gpu.busy!.load).toMatch(/no CUDA device|without the CUDA backend/);
    expect(Math.abs(gpu.busy!.relativeDifference!)).toBeLessThan(0.15);
    const cpu = report.sources.find((s) => s.id === 'cpu-model')!;
    expect(cpu.counterUpdate).toMatch(/continuous/);
    expect(cpu.busy!.load).toBe('ok');
    expect(report.overhead.fractionOfOneCore).toBeLessThan(0.5);
  });
});
