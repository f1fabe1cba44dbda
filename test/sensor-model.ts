/**
 * Test oracle for the sensor-study estimators: the fake sensors of the issue 15 spec (section 3, the
 * fake NVML library test/fake/fake_nvml.c; section 4, the fake powercap writer), written again here
 * in TypeScript so a trace can be synthesised from a list of bursts without a GPU or the addon. It is
 * a test double at the system boundary (the sensors), computed independently of src/sensors: the
 * exponential filter is stepped as an ODE event by event, not summed in closed form.
 */
import type { PlannedBurst } from '../src/sensors/plan.js';
import type { SensorTrace, TraceBurst, TraceChannel, TraceChange } from '../src/sensors/trace.js';

export interface NvmlModel {
  idleW: number;
  busyW: number;
  delayS: number;
  /** T: publication period of the power fields. */
  periodS: number;
  /** Grid phase: publications at k T + phase on the steady clock. */
  phaseS: number;
  /** W: boxcar width, or the exponential's time constant. */
  windowS: number;
  shape: 'boxcar' | 'exponential';
  /** Boxcar of field 185 and nvmlDeviceGetPowerUsage. */
  averageWindowS: number;
  counterPeriodS: number;
  counterResolutionJ: number;
  noiseW: number;
  startJ: number;
  pollS: number;
}

export function nvmlModel(overrides: Partial<NvmlModel> = {}): NvmlModel {
  const periodS = overrides.periodS ?? 0.1;
  return {
    idleW: 60,
    busyW: 400,
    delayS: 0,
    phaseS: 0,
    windowS: periodS,
    shape: 'boxcar',
    averageWindowS: 1,
    counterPeriodS: periodS,
    counterResolutionJ: 0.001,
    noiseW: 0.5,
    startJ: 123456.789,
    pollS: 0.001,
    ...overrides,
    periodS,
  };
}

export interface RaplModel {
  idleW: number;
  busyW: number;
  dramIdleW: number;
  dramBusyW: number;
  periodS: number;
  phaseS: number;
  delayS: number;
  pollS: number;
}

export function raplModel(overrides: Partial<RaplModel> = {}): RaplModel {
  return { idleW: 20, busyW: 65, dramIdleW: 3, dramBusyW: 6, periodS: 0.001, phaseS: 0.0003, delayS: 0, pollS: 0.0002, ...overrides };
}

/** A deterministic uniform in [0, 1) from integers (a fixed hash, like the fake's noise per k). */
function hashUniform(k: number, salt: number): number {
  let h = (Math.imul(k | 0, 0x9e3779b1) ^ Math.imul(salt, 0x85ebca6b) ^ Math.floor(k / 4294967296)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function hashNormal(k: number, salt: number): number {
  const u = Math.max(hashUniform(k, salt), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * hashUniform(k, salt + 7919));
}

/** The bursts as the load generator would record them: each starts 0-0.3 ms after it was planned. */
export function ranBursts(plan: readonly PlannedBurst[]): TraceBurst[] {
  return plan.map((b, i) => {
    const startS = b.atS + 0.0003 * hashUniform(i, 11);
    return { label: b.label, intensity: b.intensity, plannedS: b.atS, startS, endS: startS + b.durationS };
  });
}

/** The true power of a device: idle + (busy - idle) x load(t - delay). */
export class TruePower {
  private readonly bursts: TraceBurst[];

  constructor(
    bursts: readonly TraceBurst[],
    readonly idleW: number,
    readonly busyW: number,
    readonly delayS: number,
  ) {
    this.bursts = [...bursts].sort((a, b) => a.startS - b.startS);
  }

  /** Edges of the delayed load in time order: [time, load intensity from then on]. */
  edges(): [number, number][] {
    return this.bursts.flatMap((b): [number, number][] => [
      [b.startS + this.delayS, b.intensity],
      [b.endS + this.delayS, 0],
    ]);
  }

  /** Integral of P over [u, v] (J). */
  energy(u: number, v: number): number {
    let busy = 0;
    for (const b of this.bursts) {
      const a = b.startS + this.delayS;
      const e = b.endS + this.delayS;
      if (a >= v) break;
      busy += b.intensity * Math.max(0, Math.min(e, v) - Math.max(a, u));
    }
    return this.idleW * (v - u) + (this.busyW - this.idleW) * busy;
  }
}

/** Steps a first-order low-pass (time constant tau) of P through time; query times must not decrease. */
class LowPass {
  private t: number;
  private y: number;
  private edge = 0;
  private level = 0;

  constructor(
    private readonly power: TruePower,
    private readonly tau: number,
    startS: number,
  ) {
    this.t = startS;
    this.y = power.idleW;
    this.edges = power.edges();
  }

  private readonly edges: [number, number][];

  private advance(to: number): void {
    const target = this.power.idleW + (this.power.busyW - this.power.idleW) * this.level;
    this.y = target + (this.y - target) * Math.exp(-(to - this.t) / this.tau);
    this.t = to;
  }

  at(time: number): number {
    while (this.edge < this.edges.length && this.edges[this.edge][0] <= time) {
      const [edgeT, level] = this.edges[this.edge++];
      if (edgeT > this.t) this.advance(edgeT);
      this.level = level;
    }
    this.advance(time);
    return this.y;
  }
}

/** Reads a published-value function about every pollS (with a deterministic jitter) and encodes the changes. */
function poll(
  fromS: number,
  toS: number,
  pollS: number,
  salt: number,
  read: (t: number) => number,
): { changes: TraceChange[]; reads: number } {
  const changes: TraceChange[] = [];
  let previousT = NaN;
  let previousV = NaN;
  let reads = 0;
  for (let i = 0; ; ++i) {
    // A real polling loop sleeps pollS and then reads, so its period is a little longer than pollS.
    const t = fromS + i * pollS * 1.0537 + 0.1 * pollS * hashUniform(i, salt);
    if (t > toS) break;
    const v = read(t);
    ++reads;
    if (i === 0) changes.push({ t, tPrev: t, value: v });
    else if (v !== previousV) changes.push({ t, tPrev: previousT, value: v });
    previousT = t;
    previousV = v;
  }
  return { changes, reads };
}

function channel(
  id: string,
  field: string,
  quantity: 'power' | 'energy',
  method: TraceChannel['method'],
  resolution: number,
  pollS: number,
  polled: { changes: TraceChange[]; reads: number },
): TraceChannel {
  const source = id.split('/')[0];
  return {
    id,
    source,
    device: source.startsWith('nvml') ? 'gpu' : 'cpu',
    name: source.startsWith('nvml') ? 'Fake GPU' : 'Fake CPU',
    field,
    quantity,
    unit: quantity === 'power' ? 'W' : 'J',
    method,
    resolution,
    pollIntervalS: pollS,
    reads: polled.reads,
    failedReads: 0,
    firstError: null,
    changes: polled.changes,
  };
}

/** The fake NVML device of spec section 3: its exact published values, and the channels a reader would record. */
export class NvmlSensor {
  readonly power: TruePower;
  private readonly instant = new Map<number, number>();

  constructor(
    readonly model: NvmlModel,
    bursts: readonly TraceBurst[],
    readonly initS: number,
  ) {
    this.power = new TruePower(bursts, model.idleW, model.busyW, model.delayS);
  }

  publicationTime(k: number): number {
    return k * this.model.periodS + this.model.phaseS;
  }

  latestPublication(t: number): number {
    return Math.floor((t - this.model.phaseS) / this.model.periodS);
  }

  /** Field 186 at publication k (W, in whole mW as NVML reports it), noise included. */
  instantW(k: number): number {
    const cached = this.instant.get(k);
    if (cached !== undefined) return cached;
    throw new Error(`publication ${k} was not computed; call channels() first`);
  }

  /** Field 185 / power usage at publication k: boxcar of averageWindowS, no noise. */
  averageW(k: number): number {
    const t = this.publicationTime(k);
    const w = this.model.averageWindowS;
    return Math.round((this.power.energy(t - w, t) / w) * 1000) / 1000;
  }

  counterJ(t: number): number {
    const kc = Math.floor((t - this.model.phaseS) / this.model.counterPeriodS);
    const at = kc * this.model.counterPeriodS + this.model.phaseS;
    const res = this.model.counterResolutionJ;
    return this.model.startJ + Math.floor(this.power.energy(this.initS, at) / res) * res;
  }

  private computeInstant(toS: number): void {
    const m = this.model;
    const lowPass = m.shape === 'exponential' ? new LowPass(this.power, m.windowS, this.initS - 50 * m.windowS) : null;
    for (let k = this.latestPublication(this.initS); k <= this.latestPublication(toS); ++k) {
      const t = this.publicationTime(k);
      const filtered = lowPass ? lowPass.at(t) : this.power.energy(t - m.windowS, t) / m.windowS;
      this.instant.set(k, Math.round((filtered + m.noiseW * hashNormal(k, 3)) * 1000) / 1000);
    }
  }

  channels(device: number, fromS: number, toS: number): TraceChannel[] {
    const m = this.model;
    this.computeInstant(toS);
    const id = `nvml:${device}`;
    return [
      channel(
        `${id}/energy`,
        'energy',
        'energy',
        'nvml-counter',
        m.counterResolutionJ,
        m.pollS,
        poll(fromS, toS, m.pollS, 101, (t) => this.counterJ(t)),
      ),
      channel(
        `${id}/power-instant`,
        'power-instant',
        'power',
        'nvml-field-186',
        0.001,
        m.pollS,
        poll(fromS, toS, m.pollS, 102, (t) => this.instantW(this.latestPublication(t))),
      ),
      channel(
        `${id}/power-average`,
        'power-average',
        'power',
        'nvml-field-185',
        0.001,
        m.pollS,
        poll(fromS, toS, m.pollS, 103, (t) => this.averageW(this.latestPublication(t))),
      ),
    ];
  }
}

/** The fake powercap writer of spec section 4: package and DRAM counters (wraps already undone by the reader). */
export class RaplSensor {
  readonly package: TruePower;
  readonly dram: TruePower;

  constructor(
    readonly model: RaplModel,
    bursts: readonly TraceBurst[],
    readonly initS: number,
  ) {
    this.package = new TruePower(bursts, model.idleW, model.busyW, model.delayS);
    this.dram = new TruePower(bursts, model.dramIdleW, model.dramBusyW, model.delayS);
  }

  counterJ(zone: TruePower, t: number): number {
    const k = Math.floor((t - this.model.phaseS) / this.model.periodS);
    const at = k * this.model.periodS + this.model.phaseS;
    return Math.floor(zone.energy(this.initS, at) * 1e6) / 1e6;
  }

  channels(fromS: number, toS: number): TraceChannel[] {
    const m = this.model;
    return [
      channel(
        'rapl:package-0/energy',
        'package-0',
        'energy',
        'rapl',
        1e-6,
        m.pollS,
        poll(fromS, toS, m.pollS, 201, (t) => this.counterJ(this.package, t)),
      ),
      channel(
        'rapl:dram-0/energy',
        'dram-0',
        'energy',
        'rapl',
        1e-6,
        m.pollS,
        poll(fromS, toS, m.pollS, 202, (t) => this.counterJ(this.dram, t)),
      ),
    ];
  }
}

export function sensorTrace(bursts: TraceBurst[], startS: number, endS: number, channels: TraceChannel[]): SensorTrace {
  return { startS, endS, channels, bursts, sources: [], notes: [] };
}
