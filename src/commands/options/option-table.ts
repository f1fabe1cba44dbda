/**
 * The options a yargs builder defines (names, types, defaults, choices), read back from yargs
 * itself. Grid files and emitted Slurm scripts speak the command line's language; reading the
 * table from the same builders the commands use keeps one definition of every name and default
 * instead of a copy that could drift.
 */
import yargs, { type Argv } from 'yargs';

import { isNumberFlag } from './numbers.js';

export interface OptionInfo {
  name: string;
  type: 'boolean' | 'string' | 'number';
  default?: unknown;
  choices?: readonly unknown[];
}

/** The part of yargs' getOptions() read here (present in yargs 17 and 18, absent from its types). */
interface YargsOptionState {
  key: Record<string, unknown>;
  boolean: string[];
  default: Record<string, unknown>;
  choices: Record<string, unknown[]>;
}

export function optionTable(build: (y: Argv) => unknown): Map<string, OptionInfo> {
  const built = build(yargs([])) as { getOptions?: () => YargsOptionState };
  if (typeof built.getOptions !== 'function') throw new Error('this yargs has no getOptions(): the option table cannot be read');
  const state = built.getOptions();
  const table = new Map<string, OptionInfo>();
  for (const name of Object.keys(state.key)) {
    if (name === 'help' || name === 'version') continue;
    // Numeric options are declared by numberOption (numbers.ts); the others without a type take strings.
    const type = state.boolean.includes(name) ? 'boolean' : isNumberFlag(name) ? 'number' : 'string';
    table.set(name, { name, type, default: state.default[name], choices: state.choices[name] });
  }
  return table;
}
