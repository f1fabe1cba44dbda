/**
 * The trace the native `sensorTrace` call returns (issue 15 spec, section 1): every source read at its
 * highest rate while known bursts of load ran, on one steady-clock time axis (seconds). Parsing
 * checks every field and names the one that is wrong, so a malformed trace fails here and not as a
 * NaN deep inside an estimator.
 */
import { SedjouleError } from '../errors.js';

/**
 * One change of a channel's value: the value first seen by the read at `t`; the read before it was at
 * `tPrev`, so the source published it in (tPrev, t]. An entry with tPrev = t is a first read (of the
 * trace, or of a later piece of it), not a change: it gives the value, not when it appeared.
 */
export interface TraceChange {
  t: number;
  tPrev: number;
  value: number;
}

export type ChannelQuantity = 'power' | 'energy';

export type ChannelMethod = 'nvml-field-186' | 'nvml-field-185' | 'nvml-power-usage' | 'nvml-counter' | 'rapl' | 'modelled';

export interface TraceChannel {
  id: string;
  source: string;
  device: string;
  name: string;
  field: string;
  quantity: ChannelQuantity;
  /** 'W' for power, 'J' for energy. */
  unit: string;
  method: ChannelMethod;
  /** Smallest step of the value: J for energy, W for power. */
  resolution: number;
  pollIntervalS: number;
  reads: number;
  failedReads: number;
  firstError: string | null;
  changes: TraceChange[];
}

export interface TraceBurst {
  label: string;
  intensity: number;
  plannedS: number;
  startS: number;
  endS: number;
}

export interface SensorTrace {
  startS: number;
  endS: number;
  channels: TraceChannel[];
  bursts: TraceBurst[];
  /** The meter's source descriptions, passed through unchecked (they are for the report). */
  sources: unknown[];
  notes: string[];
}

const METHODS: readonly ChannelMethod[] = ['nvml-field-186', 'nvml-field-185', 'nvml-power-usage', 'nvml-counter', 'rapl', 'modelled'];

class TraceReader {
  constructor(private readonly file: string) {}

  fail(path: string, what: string, value: unknown): never {
    const shown = JSON.stringify(value);
    throw new SedjouleError('E_DATA', `${this.file}: ${path}: ${what}, got ${shown === undefined ? 'nothing' : shown.slice(0, 80)}`);
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'expected an object', value);
    return value as Record<string, unknown>;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'expected an array', value);
    return value;
  }

  number(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(path, 'expected a finite number', value);
    return value;
  }

  nonNegative(value: unknown, path: string): number {
    const n = this.number(value, path);
    if (n < 0) this.fail(path, 'expected a number >= 0', value);
    return n;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, 'expected a string', value);
    return value;
  }

  change(value: unknown, path: string, previousT: number | undefined): TraceChange {
    const triple = this.array(value, path);
    if (triple.length !== 3) this.fail(path, 'expected [t, tPrev, value]', value);
    const t = this.number(triple[0], `${path}[0] (t)`);
    const tPrev = this.number(triple[1], `${path}[1] (tPrev)`);
    const v = this.number(triple[2], `${path}[2] (value)`);
    if (tPrev > t) this.fail(`${path}[1] (tPrev)`, `expected tPrev <= t = ${t}`, tPrev);
    if (previousT !== undefined && tPrev < previousT)
      this.fail(`${path}[1] (tPrev)`, `expected reads in time order, after the previous change at ${previousT}`, tPrev);
    return { t, tPrev, value: v };
  }

  channel(value: unknown, path: string): TraceChannel {
    const o = this.object(value, path);
    const quantity = this.string(o.quantity, `${path}.quantity`);
    if (quantity !== 'power' && quantity !== 'energy') this.fail(`${path}.quantity`, "expected 'power' or 'energy'", quantity);
    const method = this.string(o.method, `${path}.method`) as ChannelMethod;
    if (!METHODS.includes(method)) this.fail(`${path}.method`, `expected one of ${METHODS.join(', ')}`, method);
    const changes: TraceChange[] = [];
    this.array(o.changes, `${path}.changes`).forEach((c, i) => {
      changes.push(this.change(c, `${path}.changes[${i}]`, changes.at(-1)?.t));
    });
    return {
      id: this.string(o.id, `${path}.id`),
      source: this.string(o.source, `${path}.source`),
      device: this.string(o.device, `${path}.device`),
      name: this.string(o.name, `${path}.name`),
      field: this.string(o.field, `${path}.field`),
      quantity,
      unit: this.string(o.unit, `${path}.unit`),
      method,
      resolution: this.nonNegative(o.resolution, `${path}.resolution`),
      pollIntervalS: this.nonNegative(o.pollIntervalS, `${path}.pollIntervalS`),
      reads: this.nonNegative(o.reads, `${path}.reads`),
      failedReads: this.nonNegative(o.failedReads, `${path}.failedReads`),
      firstError: o.firstError === null || o.firstError === undefined ? null : this.string(o.firstError, `${path}.firstError`),
      changes,
    };
  }

  burst(value: unknown, path: string): TraceBurst {
    const o = this.object(value, path);
    const startS = this.number(o.startS, `${path}.startS`);
    const endS = this.number(o.endS, `${path}.endS`);
    if (endS < startS) this.fail(`${path}.endS`, `expected endS >= startS = ${startS}`, endS);
    return {
      label: this.string(o.label, `${path}.label`),
      intensity: this.nonNegative(o.intensity, `${path}.intensity`),
      plannedS: this.number(o.plannedS, `${path}.plannedS`),
      startS,
      endS,
    };
  }
}

/** Parses and checks the JSON of `addon.sensorTrace`; `file` names the trace in errors (E_DATA). */
export function parseSensorTrace(text: string, file: string): SensorTrace {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SedjouleError('E_DATA', `${file}: not JSON (${(error as Error).message})`);
  }
  const r = new TraceReader(file);
  const o = r.object(json, 'trace');
  const notes = r.array(o.notes ?? [], 'notes').map((n, i) => r.string(n, `notes[${i}]`));
  return {
    startS: r.number(o.startS, 'startS'),
    endS: r.number(o.endS, 'endS'),
    channels: r.array(o.channels, 'channels').map((c, i) => r.channel(c, `channels[${i}]`)),
    bursts: r.array(o.bursts, 'bursts').map((b, i) => r.burst(b, `bursts[${i}]`)),
    sources: r.array(o.sources ?? [], 'sources'),
    notes,
  };
}

/** The channel with this id; E_DATA listing the ids the trace has. */
export function traceChannel(trace: SensorTrace, id: string): TraceChannel {
  const channel = trace.channels.find((c) => c.id === id);
  if (!channel) {
    throw new SedjouleError(
      'E_DATA',
      `the trace has no channel '${id}' (it has ${trace.channels.map((c) => `'${c.id}'`).join(', ') || 'none'})`,
    );
  }
  return channel;
}
