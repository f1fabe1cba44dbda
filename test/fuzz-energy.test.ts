/**
 * Property-based fuzzing of the energy counters (fast-check): random counter sequences with stalls,
 * resets, jumps, wraps, backward steps and unreadable values, through the real RAPL and NVML sources,
 * the meter's window accounting and its nested windows.
 *
 * TEST DOUBLES AT THE SYSTEM BOUNDARY: a fake powercap folder (through powercapRoot) whose energy_uj
 * the property rewrites, and the fake NVML library (test/fake/fake_nvml.c) scripted with
 * FAKE_NVML_COUNTER_SEQUENCE_MJ. The sampler's period is 10 s, so within a case the only reads are
 * the windows' edges: each step is followed by an inner window, whose two edge reads see it, inside
 * one outer window that spans them all.
 *
 * Properties, for every window: never a crash; a figure is null with a reason, or finite, >= 0 and
 * within the source's power bound x (duration + update period); a stalled window has no figure; an
 * incomplete one says why. For the outer window: without anomalies, the figure is exactly the sum of
 * the steps (or, with no step at all while the domain drew power, stalled); after a jump beyond the
 * bound or an unreadable value, it is flagged incomplete or has no figure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { Meter } from '../src/energy/meter.js';
import type { EnergyWindow, MeterDescription } from '../src/energy/types.js';
import { packageRoot } from '../src/version.js';
import { fuzzOptions, fuzzTimeout } from './fuzz.js';

const fakeNvml = path.join(packageRoot, 'build', 'Release', 'libsedjoule_fake_nvml.so');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Between steps: long enough that a step of a few joules fits every source's power bound. */
const STEP_MS = 3;
const NO_TICKS = { periodMs: 10_000 };

type Step =
  | { kind: 'advance'; by: number }
  | { kind: 'stall' }
  | { kind: 'back'; by: number }
  | { kind: 'reset'; to: number }
  | { kind: 'jump'; by: number }
  | { kind: 'garbage' };

/**
 * Steps in counter units (uJ for RAPL, mJ for NVML): advances of at most `maxAdvance` (2 J), jumps of
 * 1e6 to 1e9 J (values stay exact doubles), and with `garbage` unreadable values.
 */
function steps(unitsPerJoule: number, maxAdvance: number, garbage: boolean): fc.Arbitrary<Step[]> {
  const kinds: Array<fc.WeightedArbitrary<Step>> = [
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), by: fc.integer({ min: 0, max: maxAdvance }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('stall' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('back' as const), by: fc.integer({ min: 1, max: 1000 * unitsPerJoule }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), to: fc.integer({ min: 0, max: unitsPerJoule }) }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('jump' as const), by: fc.integer({ min: 1e6 * unitsPerJoule, max: 1e9 * unitsPerJoule }) }),
    },
  ];
  if (garbage) kinds.push({ weight: 1, arbitrary: fc.record({ kind: fc.constant('garbage' as const) }) });
  return fc.array(fc.oneof(...kinds), { minLength: 1, maxLength: 8 });
}

/** The per-window properties; `bounds` maps source id to [power bound W, update period s]. */
function checkWindow(w: EnergyWindow, bounds: Map<string, [number, number]>): void {
  for (const s of w.sources) {
    const where = `${w.name} ${s.id}`;
    expect(Number.isFinite(s.durationS) && s.durationS >= 0, where).toBe(true);
    if (s.joules === null) {
      expect(typeof s.unavailable === 'string' && s.unavailable.length > 0, `${where}: a null figure needs a reason`).toBe(true);
    } else {
      expect(Number.isFinite(s.joules) && s.joules >= 0, `${where}: ${s.joules} J`).toBe(true);
      const [powerW, periodS] = bounds.get(s.id)!;
      expect(s.joules, `${where}: beyond the power bound`).toBeLessThanOrEqual(powerW * (s.durationS + periodS) + 1e-5);
      expect(s.stalled, `${where}: a stalled window has no figure`).not.toBe(true);
    }
    if (s.incomplete) expect(s.flag, `${where}: incomplete without a reason`).toMatch(/\S/);
  }
  expect(w.total.joules === null || (Number.isFinite(w.total.joules) && w.total.joules >= 0), `${w.name} total ${w.total.joules}`).toBe(
    true,
  );
}

function boundsOf(d: MeterDescription, periodOverride?: number): Map<string, [number, number]> {
  return new Map(d.sources.map((s) => [s.id, [s.powerBoundW ?? Infinity, periodOverride ?? s.updatePeriodS]]));
}

/** Runs the steps: each followed by an inner window, all inside the outer one. */
async function runWindows(m: Meter, count: number, apply: (i: number) => void): Promise<{ outer: EnergyWindow; inner: EnergyWindow[] }> {
  m.begin('outer');
  const inner: EnergyWindow[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(STEP_MS);
    apply(i);
    m.begin(`step-${i}`);
    inner.push(m.end(`step-${i}`));
  }
  await sleep(STEP_MS);
  return { outer: m.end('outer'), inner };
}

const sum = (list: Step[]) => list.reduce((a, s) => a + (s.kind === 'advance' ? s.by : 0), 0);
const clean = (list: Step[]) => list.every((s) => s.kind === 'advance' || s.kind === 'stall');

describe('fuzz: RAPL counters through the meter (fake powercap folder)', () => {
  const RANGES = { real: 262_143_328_850, small: 2_000_000, none: null } as const;
  const configuration = fc.constantFrom<keyof typeof RANGES>('real', 'small', 'none').chain((range) =>
    fc.record({
      range: fc.constant(range),
      // Anywhere in the range, or just below its top so that advances wrap.
      start: RANGES[range] === null ? fc.integer({ min: 0, max: 1e12 }) : fc.integer({ min: 0, max: RANGES[range]! - 1 }),
      nearTop: fc.boolean(),
      steps: steps(1e6, range === 'small' ? RANGES.small - 1 : 2_000_000, true),
    }),
  );

  it(
    'never gives a negative, NaN, unbounded or unflagged-wrong figure',
    async () => {
      await fc.assert(
        fc.asyncProperty(configuration, async ({ range, start: anywhere, nearTop, steps: list }) => {
          const maxRange = RANGES[range];
          const start = maxRange !== null && nearTop ? maxRange - 1 - (anywhere % Math.min(3_000_000, maxRange)) : anywhere;
          const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-fuzz-powercap-'));
          const zone = path.join(root, 'intel-rapl:0');
          fs.mkdirSync(zone);
          fs.writeFileSync(path.join(zone, 'name'), 'package-0\n');
          fs.writeFileSync(path.join(zone, 'energy_uj'), `${start}\n`);
          if (maxRange !== null) fs.writeFileSync(path.join(zone, 'max_energy_range_uj'), `${maxRange}\n`);
          const m = Meter.start({ nvml: false, powercapRoot: root, ...NO_TICKS });
          try {
            const bounds = boundsOf(m.describe());
            let value = start;
            const { outer, inner } = await runWindows(m, list.length, (i) => {
              const s = list[i];
              if (s.kind === 'garbage') {
                fs.writeFileSync(path.join(zone, 'energy_uj'), 'x\n');
                return;
              }
              if (s.kind === 'advance') {
                value += s.by;
                if (maxRange !== null && value > maxRange) value -= maxRange; // the source adds range - last + new
              } else if (s.kind === 'back') value = Math.max(0, value - s.by);
              else if (s.kind === 'reset') value = s.to;
              else if (s.kind === 'jump') value += s.by;
              fs.writeFileSync(path.join(zone, 'energy_uj'), `${value}\n`);
            });
            for (const w of [...inner, outer]) checkWindow(w, bounds);
            const pkg = outer.sources.find((s) => s.id === 'rapl:package-0')!;
            if (clean(list)) {
              if (pkg.joules === null) {
                expect(sum(list), pkg.unavailable).toBe(0);
                expect(pkg.stalled, pkg.unavailable).toBe(true);
              } else {
                expect(pkg.joules).toBeCloseTo(sum(list) / 1e6, 9);
                // A 2 J range is passed in 2 ms at the bound: every changed step may hide a wrap.
                if (range !== 'small') expect(pkg.incomplete, pkg.flag).toBe(false);
              }
            }
            if (list.some((s) => s.kind === 'jump' || s.kind === 'garbage'))
              expect(pkg.joules === null || pkg.incomplete, pkg.flag).toBe(true);
          } finally {
            m.stop();
            fs.rmSync(root, { recursive: true, force: true });
          }
        }),
        fuzzOptions(),
      );
    },
    fuzzTimeout(200),
  );
});

describe('fuzz: the NVML counter through the meter (fake NVML library)', () => {
  it(
    'never gives a negative, NaN, unbounded or unflagged-wrong figure',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 1e12 }), steps(1e3, 2000, false), async (start, list) => {
          // Energy reads in order: the discovery probe, the meter's first sample, the outer start, then
          // each inner window's two edges; the last value repeats for the outer end.
          const values = [start, start, start];
          let value = start;
          for (const s of list) {
            if (s.kind === 'advance') value += s.by;
            else if (s.kind === 'back') value = Math.max(0, value - s.by);
            else if (s.kind === 'reset') value = s.to;
            else if (s.kind === 'jump') value += s.by;
            values.push(value, value);
          }
          for (const key of Object.keys(process.env)) if (key.startsWith('FAKE_NVML_')) delete process.env[key];
          process.env.FAKE_NVML_COUNTER_SEQUENCE_MJ = values.join(',');
          const m = Meter.start({ nvmlLibrary: fakeNvml, rapl: false, cpuModel: false, ...NO_TICKS });
          try {
            expect(m.describe().sources.map((s) => s.source)).toEqual(['nvml-counter']);
            // A 1 ms update period, so that windows of a few milliseconds are judged for stalls.
            m.setUpdatePeriod('nvml:0', 0.001);
            const bounds = boundsOf(m.describe(), 0.001);
            const { outer, inner } = await runWindows(m, list.length, () => {});
            for (const w of [...inner, outer]) checkWindow(w, bounds);
            const gpu = outer.sources[0];
            if (clean(list)) {
              if (sum(list) === 0) expect(gpu.stalled, gpu.unavailable).toBe(true);
              else {
                expect(gpu.joules).toBeCloseTo(sum(list) / 1e3, 9);
                expect(gpu.incomplete, gpu.flag).toBe(false);
              }
            }
            if (list.some((s) => s.kind === 'jump')) expect(gpu.joules === null || gpu.incomplete, gpu.flag).toBe(true);
          } finally {
            m.stop();
            delete process.env.FAKE_NVML_COUNTER_SEQUENCE_MJ;
          }
        }),
        fuzzOptions(),
      );
    },
    fuzzTimeout(200),
  );
});
