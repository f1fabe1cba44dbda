/**
 * A command of the command line: its name, its options (the builder, which grid files, Slurm
 * scripts and suggestions for mistyped flags read), and how it is registered with yargs.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';

import type { OutputArgs } from './options/output.js';

export interface Command {
  /** The command's first word, e.g. "train". */
  name: string;
  /** Declares the command's own options on `y` (not the global ones). */
  options(y: Argv): Argv<unknown>;
  register<T extends OutputArgs>(y: Argv<T>): Argv<T>;
}

export function defineCommand<U>(spec: {
  command: string;
  describe: string;
  builder: (y: Argv<OutputArgs>) => Argv<U>;
  handler: (argv: ArgumentsCamelCase<U>) => void | Promise<void>;
}): Command {
  return {
    name: spec.command.split(' ')[0],
    options: (y) => spec.builder(y as Argv<OutputArgs>),
    // yargs types a command by the options before it; every command here sees the output options.
    register: (y) =>
      y.command(
        spec.command,
        spec.describe,
        (c) => spec.builder(c as unknown as Argv<OutputArgs>),
        (argv) => spec.handler(argv as unknown as ArgumentsCamelCase<U>),
      ),
  };
}
