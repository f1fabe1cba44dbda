/**
 * The sensor-study estimators recover the behaviour of sensors they know nothing about. The sensors
 * are the oracle in sensor-model.ts (the fake NVML and powercap sensors of the issue 15 spec, a test
 * double at the hardware boundary); each behaviour below is one configuration of it, driven by the
 * burst plans the study runs. The naive-method errors are checked against what the configured model
 * implies, computed here from its exact published values and exact energies.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEstimated, type Estimate, type MaybeEstimate } from '../src/sensors/estimate.js';
import { naiveErrors, type NaiveResult } from '../src/sensors/naive-methods.js';
import { partTime } from '../src/sensors/part-time.js';
import { naiveLoads, naivePlan, partTimePlan, stepPlan, type PlannedBurst } from '../src/sensors/plan.js';
import { recommendations } from '../src/sensors/recommendations.js';
import { alignReference, parseReferenceCsv, readReferenceCsv } from '../src/sensors/reference-meter.js';
import { stepResponse } from '../src/sensors/step-response.js';
import { studySensors } from '../src/sensors/study.js';
import { parseSensorTrace, traceChannel, type TraceBurst } from '../src/sensors/trace.js';
import { updatePeriod } from '../src/sensors/update-period.js';
import { NvmlSensor, nvmlModel, ranBursts, RaplSensor, raplModel, type NvmlModel } from './sensor-model.js';

function estimated(e: MaybeEstimate): Estimate {
  if (!isEstimated(e)) throw new Error(`not estimated: ${e.why}`);
  return e;
}

function value(e: MaybeEstimate): number {
  return estimated(e).value;
}

interface Behaviour {
  name: string;
  model: Partial<NvmlModel>;
  partTimeGapS?: number;
  naiveDurationsS: number[];
}

const BEHAVIOURS: Behaviour[] = [
  {
    name: 'A100/H100-like part-time: T 100 ms, boxcar W 25 ms',
    model: { periodS: 0.1, windowS: 0.025, phaseS: 0.0371 },
    naiveDurationsS: [0.1, 1, 10, 60],
  },
  { name: 'Turing-like: T 100 ms, boxcar W 100 ms', model: { periodS: 0.1, windowS: 0.1, phaseS: 0.0613 }, naiveDurationsS: [0.1, 1, 10] },
  { name: 'Volta-like: T 20 ms, boxcar W 10 ms', model: { periodS: 0.02, windowS: 0.01, phaseS: 0.0071 }, naiveDurationsS: [0.1, 1, 10] },
  // A low-pass needs gaps of several time constants between bursts for its tail to settle.
  {
    name: 'exponential tau 200 ms, T 100 ms',
    model: { periodS: 0.1, windowS: 0.2, shape: 'exponential', phaseS: 0.0222 },
    partTimeGapS: 2,
    naiveDurationsS: [0.1, 1, 10],
  },
  {
    name: 'delay 50 ms, T 100 ms, boxcar W 25 ms',
    model: { periodS: 0.1, windowS: 0.025, delayS: 0.05, phaseS: 0.0808 },
    naiveDurationsS: [0.1, 1, 10],
  },
];

/** The study's schedule: the step plan, then (with the grid found from it) the part-time and naive plans. */
function study(b: Behaviour) {
  const model = nvmlModel(b.model);
  const initS = 5000.123;
  const step = stepPlan(initS + 1);
  const firstLook = new NvmlSensor(model, ranBursts(step.bursts), initS).channels(0, initS, step.untilS);
  const grid = updatePeriod(firstLook[1]).grid!;
  const part = partTimePlan(step.untilS, grid, { gapS: b.partTimeGapS });
  const naive = naivePlan(part.untilS, { durationsS: b.naiveDurationsS });
  const planned: PlannedBurst[] = [...step.bursts, ...part.bursts, ...naive.bursts];
  const bursts = ranBursts(planned);
  const sensor = new NvmlSensor(model, bursts, initS);
  const [energy, instant, average] = sensor.channels(0, initS, naive.untilS);
  const ofPlan = (prefix: string) => bursts.filter((x) => x.label.startsWith(prefix));
  return {
    model,
    sensor,
    bursts,
    energy,
    instant,
    average,
    stepBursts: ofPlan('step-'),
    partBursts: ofPlan('part-time-'),
    naiveBursts: ofPlan('naive-'),
    endS: naive.untilS,
  };
}

type Study = ReturnType<typeof study>;

/** The naive methods of a synthetic study: field 186 against the counter, each on its own grid and idle. */
function naiveOf(s: Study, phases?: number): NaiveResult {
  const instantGrid = updatePeriod(s.instant).grid;
  const counterGrid = updatePeriod(s.energy).grid;
  return naiveErrors(
    { startS: s.bursts[0].startS, endS: s.endS, channels: [s.energy, s.instant], bursts: s.bursts, sources: [], notes: [] },
    s.energy,
    s.instant,
    naiveLoads(s.naiveBursts),
    {
      powerGrid: instantGrid,
      counterGrid,
      powerIdle: estimated(stepResponse(s.instant, s.stepBursts, instantGrid).idle),
      counterIdle: estimated(stepResponse(s.energy, s.stepBursts, counterGrid).idle),
      ...(phases === undefined ? {} : { phases }),
    },
  );
}

/** Every published field-186 value whose time lies strictly inside (fromS, toS). */
function publishedBetween(s: Study, fromS: number, toS: number): number[] {
  const values: number[] = [];
  for (let k = s.sensor.latestPublication(fromS) + 1; s.sensor.publicationTime(k) < toS; ++k) values.push(s.sensor.instantW(k));
  return values;
}

/** Half-way through the idle gaps on either side of [startS, endS], among the other bursts. */
function windowAround(startS: number, endS: number, others: TraceBurst[]): [number, number] {
  const before = Math.max(startS - 10, ...others.filter((o) => o.endS <= startS).map((o) => o.endS));
  const after = Math.min(endS + 10, ...others.filter((o) => o.startS >= endS).map((o) => o.startS));
  return [(before + startS) / 2, (endS + after) / 2];
}

/** What the configured model implies for the naive methods of one load. */
function impliedNaive(s: Study, durationS: number, intervalsS: number[], phases: number) {
  const m = s.model;
  const single = s.naiveBursts.find((x) => x.label === `naive-${durationS}s-single`)!;
  const reps = s.naiveBursts.filter((x) => x.label.startsWith(`naive-${durationS}s-rep-`));
  const trueJ = (d: number) => m.idleW * d + (m.busyW - m.idleW) * d;
  const d = single.endS - single.startS;
  const sampled = intervalsS.map((interval) =>
    Array.from({ length: phases }, (_, phase) => {
      let energy = 0;
      for (let t = single.startS + ((phase + 0.5) / phases) * interval; t < single.endS; t += interval)
        energy += s.sensor.instantW(s.sensor.latestPublication(t)) * interval;
      return energy / trueJ(d) - 1;
    }),
  );
  const integrated = (fromS: number, toS: number, busyS: number) =>
    publishedBetween(s, fromS, toS).reduce((sum, y) => sum + (y - m.idleW) * m.periodS, 0) + m.idleW * busyS;
  const [lo, hi] = windowAround(
    single.startS,
    single.endS,
    s.bursts.filter((x) => x !== single),
  );
  const everyUpdate = integrated(lo, hi, d) / trueJ(d) - 1;
  const blockStart = Math.min(...reps.map((r) => r.startS));
  const blockEnd = Math.max(...reps.map((r) => r.endS));
  const [blo, bhi] = windowAround(
    blockStart,
    blockEnd,
    s.bursts.filter((x) => !reps.includes(x)),
  );
  const busy = reps.reduce((sum, r) => sum + r.endS - r.startS, 0);
  const corrected = integrated(blo, bhi, busy) / trueJ(busy) - 1;
  return { sampled, everyUpdate, corrected };
}

describe.each(BEHAVIOURS)('$name', (b) => {
  const s = study(b);
  const m = s.model;
  const T = m.periodS;
  const instantPeriod = updatePeriod(s.instant);
  const counterPeriod = updatePeriod(s.energy);
  const averagePeriod = updatePeriod(s.average);
  const step = stepResponse(s.instant, s.stepBursts, instantPeriod.grid);
  const counterStep = stepResponse(s.energy, s.stepBursts, counterPeriod.grid);

  it('finds the update period of every field within 5 %', () => {
    for (const result of [instantPeriod, counterPeriod, averagePeriod]) {
      expect(Math.abs(value(result.period) / T - 1)).toBeLessThan(0.05);
      expect(estimated(result.period).uncertainty).toBeGreaterThan(0);
    }
    // The grid anchor is a publication time: within a read gap of k T + phase.
    const anchor = value(instantPeriod.anchor);
    const offset = (((anchor - m.phaseS) / T) % 1) * T;
    expect(Math.min(Math.abs(offset), Math.abs(T - offset))).toBeLessThan(2 * m.pollS);
  });

  it('fits the averaging filter of field 186 within 10 % and the delay within one period', () => {
    expect(step.filterShape).toBe(m.shape);
    expect(Math.abs(value(step.filterWidth) / m.windowS - 1)).toBeLessThan(0.1);
    expect(Math.abs(value(step.delay) - m.delayS)).toBeLessThan(T);
    expect(Math.abs(value(step.idle) - m.idleW)).toBeLessThan(1);
    expect(Math.abs(value(step.gain) - (m.busyW - m.idleW))).toBeLessThan(2);
    const riseFactor = m.shape === 'boxcar' ? 0.8 : Math.log(9);
    expect(Math.abs(value(step.riseTime) / (riseFactor * m.windowS) - 1)).toBeLessThan(0.1);
  });

  it("fits field 185's one-second boxcar and the counter's delay", () => {
    const average = stepResponse(s.average, s.stepBursts, averagePeriod.grid);
    expect(average.filterShape).toBe('boxcar');
    expect(Math.abs(value(average.filterWidth) / m.averageWindowS - 1)).toBeLessThan(0.1);
    expect(Math.abs(value(average.delay) - m.delayS)).toBeLessThan(T);
    expect(counterStep.filterShape).toBeNull();
    expect(counterStep.filterWidth.value).toBeNull();
    expect(Math.abs(value(counterStep.delay) - m.delayS)).toBeLessThan(T);
  });

  it('finds the sampled window inside each period (sampled fraction within 5 points)', () => {
    const result = partTime(s.instant, s.partBursts, instantPeriod.grid, {
      idleW: value(step.idle),
      netPowerW: value(step.gain),
      delayS: value(step.delay),
    });
    // An exponential filter sees every joule, like a boxcar as wide as the period.
    const expected = m.shape === 'exponential' ? 1 : Math.min(m.windowS, T) / T;
    expect(Math.abs(value(result.sampledFraction) - expected)).toBeLessThan(0.05);
    if (m.shape === 'boxcar') expect(Math.abs(value(result.window) / m.windowS - 1)).toBeLessThan(0.1);
    expect(result.bursts).toHaveLength(s.partBursts.length);
    // Part-time sampling shows in the spread of the seen fractions: a burst can be missed or counted T / W times.
    const seen = result.bursts.map((x) => x.seenFraction);
    if (m.shape === 'boxcar' && m.windowS < T) {
      expect(Math.min(...seen)).toBeLessThan(0.05);
      expect(Math.max(...seen)).toBeGreaterThan(1.5);
    }
    // The counter sees the whole of every burst.
    const counter = partTime(s.energy, s.partBursts, counterPeriod.grid, {
      idleW: value(counterStep.idle),
      netPowerW: value(counterStep.gain),
    });
    expect(Math.abs(value(counter.meanSeenFraction) - 1)).toBeLessThan(0.01);
    expect(counter.window.value).toBeNull();
  });

  it('measures the naive-method errors the model implies', () => {
    const phases = 8;
    const result = naiveOf(s, phases);
    expect(result.loads.map((l) => l.durationS)).toEqual(b.naiveDurationsS);
    for (const load of result.loads) {
      const implied = impliedNaive(s, load.durationS, [1, 5], phases);
      const reference = estimated(load.referenceJ);
      expect(Math.abs(reference.value / ((m.busyW - 0) * load.durationS) - 1)).toBeLessThan(0.01);
      load.sampled.forEach((method, i) => {
        method.errors.forEach((error, phase) =>
          expect(Math.abs(error - implied.sampled[i][phase])).toBeLessThan(1e-3 * (1 + Math.abs(implied.sampled[i][phase]))),
        );
      });
      const every = estimated(load.everyUpdate);
      expect(Math.abs(every.value - implied.everyUpdate)).toBeLessThan(3 * every.uncertainty + 2e-4);
      if ('why' in load.corrected) throw new Error(load.corrected.why);
      const residual = load.corrected.residual;
      expect(Math.abs(residual.value - implied.corrected)).toBeLessThan(3 * residual.uncertainty + 2e-4);
      expect(load.corrected.repetitions).toBeGreaterThanOrEqual(2);
      expect(load.corrected.groups).toBe(Math.min(4, load.corrected.repetitions));
    }
    // A 0.1 s load is missed by a 1 s sampler at most phases (error -100 %), and the corrected protocol is within 1 %.
    const short = result.loads[0];
    expect(short.sampled[0].errors.filter((e) => e === -1).length).toBeGreaterThanOrEqual(phases - 1);
    expect(Math.abs((short.corrected as { residual: Estimate }).residual.value)).toBeLessThan(0.01);
  });
});

describe('RAPL (fake powercap writer: a 1 ms accumulator, wraps undone by the reader)', () => {
  const initS = 7000.5;
  const step = stepPlan(initS + 1, { cycles: 6 });
  const part = partTimePlan(step.untilS, { periodS: 0.001, anchorS: 0 }, { burstS: [0.0005, 0.005, 0.05], phases: 4 });
  const bursts = ranBursts([...step.bursts, ...part.bursts]);
  const model = raplModel();
  const [pkg, dram] = new RaplSensor(model, bursts, initS).channels(initS, part.untilS);
  const stepBursts = bursts.filter((x) => x.label.startsWith('step-'));

  it('finds the 1 ms update period within 5 %, the delay within one period and the idle and busy power', () => {
    for (const [channel, idle, busy] of [
      [pkg, model.idleW, model.busyW],
      [dram, model.dramIdleW, model.dramBusyW],
    ] as const) {
      const period = updatePeriod(channel);
      expect(Math.abs(value(period.period) / model.periodS - 1)).toBeLessThan(0.05);
      const response = stepResponse(channel, stepBursts, period.grid);
      expect(Math.abs(value(response.delay) - model.delayS)).toBeLessThan(model.periodS);
      expect(Math.abs(value(response.idle) - idle)).toBeLessThan(0.01 * idle);
      expect(Math.abs(value(response.gain) - (busy - idle))).toBeLessThan(0.01 * (busy - idle));
      expect(response.riseTime.value).toBeNull();
      const seen = partTime(
        channel,
        bursts.filter((x) => x.label.startsWith('part-time-')),
        period.grid,
        { idleW: value(response.idle), netPowerW: value(response.gain) },
      );
      expect(Math.abs(value(seen.meanSeenFraction) - 1)).toBeLessThan(0.05);
    }
  });
  it('fits a counter whose reads stop before the fit window ends (no value is extended past the last read)', () => {
    const [short] = new RaplSensor(model, stepBursts, initS).channels(initS, step.untilS);
    const response = stepResponse(short, stepBursts, updatePeriod(short).grid, { tailS: 3 });
    expect(Math.abs(value(response.idle) - model.idleW)).toBeLessThan(0.01 * model.idleW);
    expect(Math.abs(value(response.delay))).toBeLessThan(model.periodS);
  });
});

describe('recommendations and the reference meter, on the A100-like sensor', () => {
  const s = study(BEHAVIOURS[0]);
  const m = s.model;
  const instantPeriod = updatePeriod(s.instant);
  const counterPeriod = updatePeriod(s.energy);
  const naive = naiveOf(s);

  it('recommends a window the model then measures within the target, and repetitions for shorter loads', () => {
    const [power, counter] = recommendations(
      [
        { channel: s.instant.id, period: instantPeriod.period, naive },
        { channel: s.energy.id, period: counterPeriod.period },
      ],
      0.01,
      [0.01, 0.1, 1, 10],
    );
    const shortest = value(power.shortestWindow);
    expect(value(power.edge)).toBeGreaterThanOrEqual(0.99 * m.periodS);
    expect(shortest).toBeCloseTo(value(power.edge) / 0.01, 9);
    expect(power.repetitions).toEqual(
      [0.01, 0.1, 1, 10].map((d) => ({ durationS: d, repetitions: Math.max(1, Math.ceil(shortest / d - 1e-9)) })),
    );
    // Every single run at least as long as the shortest window was measured within the target.
    for (const load of naive.loads.filter((l) => l.durationS >= shortest))
      expect(Math.abs(value(load.everyUpdate))).toBeLessThanOrEqual(0.01);
    expect(counter.edge).toMatchObject({ value: value(counterPeriod.period) });
    expect(estimated(counter.edge).note).toMatch(/no naive-method runs/);
    expect(recommendations([{ channel: 'x', period: { value: null, why: 'no changes' } }])[0].shortestWindow).toEqual({
      value: null,
      why: 'the update period is unknown: no changes',
    });
  });

  it('aligns a reference meter on another clock by the load pattern and measures each channel against it', () => {
    // The meter: its clock 1234.5 s ahead, each row the mean power of the 0.1 s before it, reading 3 % high.
    const rows = ['Time (s),Power [W]'];
    for (let t = s.bursts[0].startS - 3; t < s.endS; t += 0.1)
      rows.push(`${(t + 1234.5).toFixed(4)},${((1.03 * s.sensor.power.energy(t - 0.1, t)) / 0.1).toFixed(3)}`);
    const reference = parseReferenceCsv(rows.join('\n'), 'meter.csv');
    const alignment = alignReference(reference, s.bursts, [
      { channel: s.instant, grid: instantPeriod.grid },
      { channel: s.energy, grid: counterPeriod.grid },
    ]);
    // A meter averaging the last 0.1 s lags by 0.05 s, which the offset absorbs.
    expect(Math.abs(value(alignment.offset) - (1234.5 + 0.05))).toBeLessThan(0.1);
    expect(Math.abs(value(alignment.idle) - 1.03 * m.idleW)).toBeLessThan(2);
    for (const channel of alignment.channels) {
      expect(Math.abs(value(channel.gain) - 1 / 1.03)).toBeLessThan(0.01);
      expect(Math.abs(value(channel.relativeError) - (1 / 1.03 - 1))).toBeLessThan(0.01);
      expect(Math.abs(value(channel.delay))).toBeLessThan(m.periodS + alignment.stepS);
    }
  });
});

describe('reading a trace and a reference CSV', () => {
  const sensor = new NvmlSensor(nvmlModel(), ranBursts(stepPlan(11, { cycles: 1 }).bursts), 10);
  const channels = sensor.channels(0, 10, 16);
  const json = JSON.stringify({
    startS: 10,
    endS: 16,
    channels: channels.map((c) => ({ ...c, changes: c.changes.map((x) => [x.t, x.tPrev, x.value]) })),
    bursts: [{ label: 'step-0', intensity: 1, plannedS: 11, startS: 11.0001, endS: 13.0001 }],
    sources: [],
    notes: ['nvml:0: field 185 answered'],
  });

  it('parses the native trace JSON', () => {
    const trace = parseSensorTrace(json, 'trace.json');
    expect(trace.channels.map((c) => c.id)).toEqual(['nvml:0/energy', 'nvml:0/power-instant', 'nvml:0/power-average']);
    expect(trace.channels[1].changes).toEqual(channels[1].changes);
    expect(trace.bursts[0]).toEqual({ label: 'step-0', intensity: 1, plannedS: 11, startS: 11.0001, endS: 13.0001 });
  });

  it('names the field of a malformed trace', () => {
    const bad = JSON.parse(json);
    bad.channels[1].changes[2][2] = 'x';
    expect(() => parseSensorTrace(JSON.stringify(bad), 'trace.json')).toThrow(
      /trace\.json: channels\[1\]\.changes\[2\]\[2\] \(value\): expected a finite number, got "x"/,
    );
    const unordered = JSON.parse(json);
    unordered.channels[0].changes[3][1] = 0;
    expect(() => parseSensorTrace(JSON.stringify(unordered), 'trace.json')).toThrow(
      /channels\[0\]\.changes\[3\]\[1\] \(tPrev\): expected reads in time order/,
    );
    expect(() =>
      parseSensorTrace(
        JSON.stringify({ ...JSON.parse(json), bursts: [{ label: 'a', intensity: 1, plannedS: 1, startS: 2, endS: 1 }] }),
        't.json',
      ),
    ).toThrow(/t\.json: bursts\[0\]\.endS: expected endS >= startS/);
    expect(() => parseSensorTrace('{', 't.json')).toThrow(/t\.json: not JSON/);
  });

  it('finds a channel by id, or lists the ids there are', () => {
    const trace = parseSensorTrace(json, 'trace.json');
    expect(traceChannel(trace, 'nvml:0/energy').quantity).toBe('energy');
    expect(() => traceChannel(trace, 'nvml:1/energy')).toThrow(
      /no channel 'nvml:1\/energy' \(it has 'nvml:0\/energy', 'nvml:0\/power-instant', 'nvml:0\/power-average'\)/,
    );
  });

  it('reads a reference CSV file, and says when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sedjoule-reference-'));
    const file = join(dir, 'meter.csv');
    await writeFile(file, 'Time (s),Power [W]\r\n0,50\r\n0.5,55\r\n');
    expect(await readReferenceCsv(file)).toEqual({ file, times: [0, 0.5], watts: [50, 55] });
    await expect(readReferenceCsv(join(dir, 'missing.csv'))).rejects.toThrow(/missing\.csv: cannot read \(ENOENT\)/);
    await rm(dir, { recursive: true });
  });

  it('reads a reference CSV with flexible header names and names the bad row and field', () => {
    expect(parseReferenceCsv('timestamp,watts\n1,100\n2,110\n', 'm.csv')).toEqual({ file: 'm.csv', times: [1, 2], watts: [100, 110] });
    expect(parseReferenceCsv('# logger v2\nt, power_w\n0.5, 7\n1.5, 8\n', 'm.csv').watts).toEqual([7, 8]);
    expect(() => parseReferenceCsv('time,W\n1,100\n2,abc\n', 'm.csv')).toThrow(
      /m\.csv:3: field 'W': expected watts as a number, got "abc"/,
    );
    expect(() => parseReferenceCsv('time,W\n1,100\n1,100\n', 'm.csv')).toThrow(/m\.csv:3: field 'time': times must increase/);
    expect(() => parseReferenceCsv('when,W\n1,100\n', 'm.csv')).toThrow(/m\.csv:1: no time column/);
  });
});

describe('studySensors over a whole study', () => {
  it('runs every estimator on every channel', () => {
    const model = nvmlModel({ periodS: 0.1, windowS: 0.025, phaseS: 0.0442 });
    const initS = 9000.25;
    const step = stepPlan(initS + 1);
    const part = partTimePlan(step.untilS, { periodS: 0.1, anchorS: 0.0442 }, { phases: 8 });
    const naive = naivePlan(part.untilS, { durationsS: [0.1, 1] });
    const bursts = ranBursts([...step.bursts, ...part.bursts, ...naive.bursts]);
    const sensor = new NvmlSensor(model, bursts, initS);
    const trace = { startS: initS, endS: naive.untilS, channels: sensor.channels(0, initS, naive.untilS), bursts, sources: [], notes: [] };
    expect(trace.channels.map((c) => c.id)).toEqual(['nvml:0/energy', 'nvml:0/power-instant', 'nvml:0/power-average']);

    const result = studySensors(trace, { targetRelativeError: 0.02 });
    const [energy, instant] = result.channels;
    expect(Math.abs(value(instant.updatePeriod.period) / 0.1 - 1)).toBeLessThan(0.05);
    expect(Math.abs(value(instant.stepResponse.filterWidth) / 0.025 - 1)).toBeLessThan(0.1);
    if ('why' in instant.partTime) throw new Error(instant.partTime.why);
    expect(Math.abs(value(instant.partTime.sampledFraction) - 0.25)).toBeLessThan(0.05);
    expect(Math.abs(value(energy.stepResponse.delay))).toBeLessThan(0.1);
    expect(result.naive.map((n) => [n.counter, n.power])).toEqual([
      ['nvml:0/energy', 'nvml:0/power-instant'],
      ['nvml:0/energy', 'nvml:0/power-average'],
    ]);
    expect(result.naive[0].loads.map((l) => l.durationS)).toEqual([0.1, 1]);
    expect(result.recommendations.map((r) => r.targetRelativeError)).toEqual([0.02, 0.02, 0.02]);
    expect(result.reference).toEqual({ value: null, why: 'no reference meter was given (--reference)' });
  });
});

describe('what cannot be estimated is null with a reason', () => {
  const bursts = ranBursts(stepPlan(101, { cycles: 2 }).bursts);

  it('a channel read more slowly than it updates has no update period', () => {
    const [, instant] = new NvmlSensor(nvmlModel({ pollS: 0.15 }), bursts, 100).channels(0, 100, 110);
    const result = updatePeriod(instant);
    expect(result.period.value).toBeNull();
    expect(result.grid).toBeNull();
    expect((result.period as { why: string }).why).toMatch(/changed at almost every read/);
    const part = partTime(instant, bursts, result.grid, { idleW: 60, netPowerW: 340 });
    expect(part.window).toMatchObject({
      value: null,
      why: expect.stringMatching(/bursts had readings on a regular update grid around them/),
    });
  });

  it('a channel that never changes has no update period and no step response', () => {
    const flat = { ...new NvmlSensor(nvmlModel(), bursts, 100).channels(0, 100, 110)[1] };
    flat.changes = [flat.changes[0]];
    expect(updatePeriod(flat).period).toEqual({ value: null, why: `0 changes seen in ${flat.reads} reads; at least 3 are needed` });
    const step = stepResponse(flat, bursts, null);
    expect(step.filterWidth.value).toBeNull();
    expect(step.delay).toMatchObject({ value: null });
  });
});

describe('publications on a drifting clock (an H200 instant power field)', () => {
  it('has no whole-study grid, yet local grids recover the part-time window and every update integrates', () => {
    // Each period 100 ms plus 0 to 4 ms: over minutes the publications wander from any fixed grid.
    const model = nvmlModel({ periodS: 0.1, windowS: 0.025 });
    const initS = 7000;
    const probe = { periodS: 0.1, anchorS: initS };
    const part = partTimePlan(initS + 1, probe, { phases: 16, gapS: 1 });
    const step = stepPlan(part.untilS);
    const naive = naivePlan(step.untilS, { durationsS: [1] });
    const bursts = ranBursts([...part.bursts, ...step.bursts, ...naive.bursts]);
    const sensor = new NvmlSensor(model, bursts, initS);
    const [energy, instant] = sensor.channels(0, initS, naive.untilS);
    // Re-time the instant channel's publications on a drifting clock: publication k at
    // initS + sum of (0.1 + jitter) over the periods before it, jitter from 0 to 4 ms.
    let clock = initS;
    const drifted = new Map<number, number>();
    const publication = (t: number) => {
      let k = drifted.size;
      while (clock <= t) {
        drifted.set(k++, clock);
        clock += 0.1 + 0.016 * (Math.abs(Math.sin(k * 12.9898) * 43758.5453) % 1);
      }
    };
    publication(naive.untilS);
    const times = [...drifted.values()];
    const changes = times.slice(1).map((t) => {
      const value = sensor.power.energy(t - model.windowS, t) / model.windowS;
      return { t: t + 0.0005, tPrev: t - 0.0005, value };
    });
    const driftingInstant = { ...instant, changes: [{ t: initS, tPrev: initS, value: model.idleW }, ...changes] };
    const period = updatePeriod(driftingInstant);
    expect(period.grid).toBeNull();
    const pt = partTime(
      driftingInstant,
      bursts.filter((b) => b.label.startsWith('part-time-')),
      null,
      {
        idleW: model.idleW,
        netPowerW: model.busyW - model.idleW,
        others: bursts.filter((b) => !b.label.startsWith('part-time-')),
      },
    );
    if (!('sampledFraction' in pt) || pt.sampledFraction.value === null) throw new Error(JSON.stringify(pt.window));
    // Each local grid is known to a few ms only (the periods wander by up to 16 ms): within 8 points.
    expect(Math.abs(pt.sampledFraction.value - 0.25)).toBeLessThan(0.08);
    const result = naiveErrors(
      { startS: initS, endS: naive.untilS, channels: [energy, driftingInstant], bursts, sources: [], notes: [] },
      energy,
      driftingInstant,
      naiveLoads(bursts),
      {
        powerGrid: null,
        counterGrid: updatePeriod(energy).grid,
        powerIdle: { value: model.idleW, uncertainty: 0, unit: 'W' },
        counterIdle: { value: model.idleW, uncertainty: 0, unit: 'W' },
      },
    );
    const every = estimated(result.loads[0].everyUpdate);
    // A 25 ms window in every ~102 ms period, integrated as a step function: a few percent off a 1 s load.
    expect(Math.abs(every.value)).toBeLessThan(0.1);
  });
});
