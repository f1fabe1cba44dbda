/**
 * What a complete run record is: the one rule that both a resumed sweep (is this run finished?)
 * and the analyses (can this file be read?) apply, so a file one of them accepts the other never
 * rejects. It checks the fields the readers use, each of its type, and names the first one at
 * fault by its path ("phases.train.kernels[3].flops must be a number"). Fields added to the format
 * after version 1 are optional: records written by earlier versions stay readable.
 */
import { LEDGER_COUNT_COLUMNS, LEDGER_LABEL_COLUMNS, LEDGER_LATER_COUNT_COLUMNS } from '../ledger.js';
import { PHASES, type RunRecord } from './run-record.js';

/** A check of one value at a path: undefined when it holds, else what is wrong. */
type Check = (value: unknown, at: string) => string | undefined;

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const number: Check = (v, at) =>
  typeof v === 'number' && Number.isFinite(v) ? undefined : `${at} must be a finite number, got ${show(v)}`;
const count: Check = (v, at) =>
  Number.isInteger(v) && (v as number) >= 0 ? undefined : `${at} must be a whole number >= 0, got ${show(v)}`;
/** A figure that cannot be negative (samples, steps, passes); a whole number in practice, but the readers only divide by it. */
const amount: Check = (v, at) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : `${at} must be a number >= 0, got ${show(v)}`;
const string: Check = (v, at) => (typeof v === 'string' ? undefined : `${at} must be a string, got ${show(v)}`);
const boolean: Check = (v, at) => (typeof v === 'boolean' ? undefined : `${at} must be true or false, got ${show(v)}`);
const anyObject: Check = (v, at) => (isObject(v) ? undefined : `${at} must be an object, got ${show(v)}`);

function nullable(check: Check): Check {
  return (v, at) => (v === null ? undefined : check(v, at));
}

function optional(check: Check): Check {
  return (v, at) => (v === undefined ? undefined : check(v, at));
}

function literal(expected: string | number): Check {
  return (v, at) => (v === expected ? undefined : `${at} must be ${JSON.stringify(expected)}, got ${show(v)}`);
}

function oneOf(values: readonly string[]): Check {
  return (v, at) => (values.includes(v as string) ? undefined : `${at} must be one of ${values.join(', ')}, got ${show(v)}`);
}

function arrayOf(item: Check): Check {
  return (v, at) => {
    if (!Array.isArray(v)) return `${at} must be a list, got ${show(v)}`;
    for (const [i, x] of v.entries()) {
      const problem = item(x, `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** An object with these fields (others are allowed: later versions may add them). */
function object(fields: Record<string, Check>): Check {
  return (v, at) => {
    if (!isObject(v)) return `${at} must be an object, got ${show(v)}`;
    for (const [name, check] of Object.entries(fields)) {
      const problem = check(v[name], at ? `${at}.${name}` : name);
      if (problem) return problem;
    }
    return undefined;
  };
}

const countChecks = LEDGER_COUNT_COLUMNS.map((c) => [c, LEDGER_LATER_COUNT_COLUMNS.includes(c) ? optional(number) : number]);
const ledgerRow = object(Object.fromEntries([...LEDGER_LABEL_COLUMNS.map((c) => [c, string]), ...countChecks]));
const ledgerTotals = object(Object.fromEntries(countChecks));

const sourceWindow = object({
  id: string,
  device: string,
  source: string,
  additive: boolean,
  durationS: number,
  joules: nullable(number),
  uncertainty: optional(object({ joules: number })),
  net: optional(object({ idlePowerW: number, joules: number, uncertaintyJ: number })),
  meanPowerW: optional(nullable(number)),
});

/** An energy window as the analyses read it. */
const energyWindow: Check = object({
  name: string,
  startS: number,
  endS: number,
  durationS: number,
  sources: arrayOf(sourceWindow),
});

const utilisation = object({ gpuPct: nullable(number), memoryPct: nullable(number) });

function phase(result: Record<string, Check>, more: Record<string, Check> = {}): Check {
  return optional(
    object({
      kernels: arrayOf(ledgerRow),
      totals: ledgerTotals,
      energy: optional(energyWindow),
      utilisation: optional(utilisation),
      result: object(result),
      ...more,
    }),
  );
}

const runRecord = object({
  format: literal('sedjoule-run'),
  version: literal(1),
  key: string,
  config: object({
    id: string,
    model: anyObject,
    phases: arrayOf(oneOf(PHASES)),
    epochs: count,
    batchSize: count,
    lr: number,
    seed: number,
    repeat: count,
  }),
  model: object({ name: string, spec: anyObject, params: count, description: anyObject }),
  data: object({ source: string, classes: arrayOf(string), inputShape: arrayOf(count), train: count, test: count }),
  phases: object({
    train: phase(
      {
        epochs: amount,
        steps: amount,
        samples: amount,
        seconds: number,
        allEpochLoss: optional(arrayOf(nullable(number))),
        resumedAfterEpoch: optional(amount),
      },
      { epochEnergy: arrayOf(energyWindow) },
    ),
    test: phase({ samples: amount, loss: nullable(number), seconds: number }, { metrics: anyObject }),
    run: phase({ passes: amount, batch: amount, seconds: number }),
  }),
  energy: optional(object({ meter: anyObject, windows: arrayOf(energyWindow) })),
  provenance: optional(
    object({
      hostname: optional(string),
      gpus: optional(arrayOf(object({ name: string }))),
      cpu: optional(object({ model: optional(string) })),
    }),
  ),
  startedAt: string,
  finishedAt: string,
});

export type RecordCheck = { ok: true; record: RunRecord } | { ok: false; reason: string };

/** Whether a parsed JSON value is a complete run record; when not, the first field at fault. */
export function checkRunRecord(value: unknown): RecordCheck {
  // Other files beside the records (sweep.json, anything) are named by what they are.
  const format = isObject(value) ? value.format : undefined;
  if (format !== 'sedjoule-run')
    return {
      ok: false,
      reason: `not a sedjoule run record (format: ${format === undefined ? 'none' : typeof format === 'string' ? format : show(format)})`,
    };
  const problem = runRecord(value, '');
  return problem ? { ok: false, reason: problem } : { ok: true, record: value as RunRecord };
}

/** The ledger rows and epoch windows a checkpointed run keeps beside its checkpoint, checked as a record's are. */
export function checkLedgerRows(value: unknown, at: string): string | undefined {
  return arrayOf(ledgerRow)(value, at);
}

export function checkEnergyWindows(value: unknown, at: string): string | undefined {
  return arrayOf(energyWindow)(value, at);
}
