/**
 * Every numeric option of the command line and its rule, in one table, so a flag means the same
 * number in every command that takes it. An option is declared with `numberOption(flag, ...)`,
 * which checks the value as yargs parses it, before any command runs: a value outside its rule
 * is a usage error (E_USAGE, exit 2) naming the flag and the value as it was typed. Grid files
 * (sweep --grid) check their numbers with the same rules.
 */
import { DCASE_YEARS } from '../../analysis/dcase.js';
import { SedjouleError } from '../../errors.js';

export interface NumberRule {
  /** Counts, indices and seeds are integers; everything else is a finite real. */
  integer: boolean;
  min?: number;
  /** The value must be above `min` (a duration or a rate that cannot be 0). */
  aboveMin?: boolean;
  max?: number;
  /** The only values allowed, when the flag names one of a few. */
  oneOf?: readonly number[];
}

const count: NumberRule = { integer: true, min: 1 };
const positive: NumberRule = { integer: false, min: 0, aboveMin: true };
const seconds: NumberRule = { integer: false, min: 0, max: 86400 };

export const NUMBER_RULES = {
  // Model
  layers: count,
  width: count,
  'conv-layers': count,
  'rnn-layers': count,
  'conv-width': count,
  'rnn-width': count,
  classes: count,
  // Data
  clips: count,
  'test-clips': count,
  'test-fold': count,
  seed: { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER },
  rate: { integer: true, min: 8000, max: 192000 },
  duration: { integer: false, min: 1, max: 600 },
  // Training and the run phase
  epochs: count,
  batch: count,
  lr: positive,
  'run-passes': count,
  'run-batch': count,
  repeat: count,
  cooldown: seconds,
  'slurm-tasks': count,
  // Output
  depth: count,
  // Compute
  threads: { integer: true, min: 0, max: 1024 },
  'cuda-device': { integer: true, min: 0 },
  // Energy: the bounds the native meter accepts (native/energy/meter_options.cpp)
  idle: seconds,
  'sample-ms': { integer: false, min: 1, max: 10000 },
  'cpu-tdp': { integer: false, min: 0.1, max: 10000 },
  'cpu-cores': { integer: true, min: 1, max: 4096 },
  'carbon-intensity': { integer: false, min: 0 },
  pue: { integer: false, min: 1 },
  poll: { integer: false, min: 0.1, max: 600 },
  busy: { integer: false, min: 0.1, max: 3600 },
  'min-updates': count,
  'update-period-ms': positive,
  'max-seconds': positive,
  // Sensor study (lists are comma-separated, each value under the rule)
  'step-cycles': count,
  'step-busy': { integer: false, min: 0.01, max: 3600 },
  'step-idle': { integer: false, min: 0.01, max: 3600 },
  'burst-ms': { integer: false, min: 0.1, max: 60000 },
  'burst-phases': { integer: true, min: 1, max: 1000 },
  'burst-gap': { integer: false, min: 0.01, max: 3600 },
  'naive-durations': { integer: false, min: 0.001, max: 3600 },
  'naive-gap': { integer: false, min: 0.01, max: 3600 },
  'protocol-s': { integer: false, min: 0.01, max: 3600 },
  'target-error': { integer: false, min: 0, aboveMin: true, max: 1 },
  'poll-ms': { integer: false, min: 0.01, max: 1000 },
  'load-threads': { integer: true, min: 0, max: 1024 },
  // Analysis
  bootstrap: count,
  score: { integer: false, min: 0 },
  year: { integer: true, oneOf: DCASE_YEARS },
} as const satisfies Record<string, NumberRule>;

export type NumberFlag = keyof typeof NUMBER_RULES;

export function isNumberFlag(flag: string): flag is NumberFlag {
  return Object.hasOwn(NUMBER_RULES, flag);
}

/** The rule in words, as the help shows it and errors say it: "an integer >= 1". */
function ruleText(rule: NumberRule): string {
  const what = rule.integer ? 'an integer' : 'a number';
  if (rule.oneOf) return `${rule.oneOf.slice(0, -1).join(', ')} or ${rule.oneOf[rule.oneOf.length - 1]}`;
  const low = rule.min === undefined ? '' : `${rule.aboveMin ? '>' : '>='} ${rule.min}`;
  if (rule.max === undefined || rule.max === Number.MAX_SAFE_INTEGER) return low ? `${what} ${low}` : what;
  if (low && !rule.aboveMin) return `${what} from ${rule.min} to ${rule.max}`;
  return `${what} ${low ? `${low} and ` : ''}<= ${rule.max}`;
}

/** A plain decimal number: no hex, no "Infinity", no empty string (Number() takes all three). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Why `value` breaks the rule (naming the value as given), or null when it keeps it. */
export function numberProblem(rule: NumberRule, value: unknown): string | null {
  const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  const n = typeof value === 'number' ? value : typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value) : NaN;
  const broken =
    !Number.isFinite(n) ||
    (rule.integer && !Number.isSafeInteger(n)) ||
    (rule.min !== undefined && (rule.aboveMin ? n <= rule.min : n < rule.min)) ||
    (rule.max !== undefined && n > rule.max) ||
    (rule.oneOf !== undefined && !rule.oneOf.includes(n));
  return broken ? `must be ${ruleText(rule)}, got ${shown}` : null;
}

/** The value of --flag as a number; E_USAGE naming the flag and the value when the rule refuses it. */
function checkedNumber(flag: NumberFlag, value: unknown): number {
  if (Array.isArray(value))
    throw new SedjouleError('E_USAGE', `--${flag} is given ${value.length} times (${value.join(', ')}); give it once`);
  const problem = numberProblem(NUMBER_RULES[flag], value);
  if (problem) throw new SedjouleError('E_USAGE', `--${flag} ${problem}`);
  return Number(value);
}

/**
 * A numeric option for yargs: its rule appended to the description, a value required after the
 * flag, and the value checked as it is parsed. No yargs `type`: the value arrives as typed (the
 * command line parses no numbers itself), so an error can show "abc" rather than NaN.
 */
export function numberOption(flag: NumberFlag, describe: string): NumberOption;
export function numberOption(flag: NumberFlag, describe: string, defaultValue: number): NumberOption & { default: number };
export function numberOption(flag: NumberFlag, describe: string, defaultValue?: number): NumberOption {
  return {
    describe: `${describe} [${ruleText(NUMBER_RULES[flag])}]`,
    requiresArg: true,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    coerce: (value: unknown) => checkedNumber(flag, value),
  };
}

/**
 * A comma-separated list of numbers for yargs ("5,10,25"), each value under the flag's rule; the
 * error names the flag and the entry. The default is shown as typed.
 */
export function numberListOption(flag: NumberFlag, describe: string, defaultValue: readonly number[]) {
  return {
    describe: `${describe} [comma-separated, each ${ruleText(NUMBER_RULES[flag])}]`,
    requiresArg: true as const,
    default: defaultValue.join(','),
    coerce: (value: unknown): number[] => {
      if (Array.isArray(value))
        throw new SedjouleError('E_USAGE', `--${flag} is given ${value.length} times (${value.join(' ')}); give one comma-separated list`);
      const entries = String(value).split(',');
      return entries.map((entry, i) => {
        const problem = numberProblem(NUMBER_RULES[flag], entry.trim());
        // One value reads as any numeric flag's error; in a list, the entry is named.
        if (problem)
          throw new SedjouleError('E_USAGE', `--${flag} ${entries.length > 1 ? `entry ${i + 1} of ${entries.length} ` : ''}${problem}`);
        return Number(entry);
      });
    },
  };
}

interface NumberOption {
  describe: string;
  requiresArg: true;
  coerce: (value: unknown) => number;
}
