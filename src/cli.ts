#!/usr/bin/env node
/**
 * The sedjoule command line: the commands of src/commands/ registered with yargs, and how a run
 * fails. Every failure prints one line (or JSON with --json); usage errors exit 2, others 1.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

import { COMMANDS } from './commands/all.js';
import { optionTable } from './commands/options/option-table.js';
import { reportFailure, withOutputOptions } from './commands/options/output.js';
import { withFlagSuggestions } from './commands/suggest.js';
import { SedjouleError } from './errors.js';

const args = hideBin(process.argv);
/** --json as the parser will read it (the last of --json, --json=true|false, --no-json), known before parsing ends. */
const json = args.reduce(
  (on, a) => (a === '--json' || a === '--json=true' ? true : a === '--no-json' || a === '--json=false' ? false : on),
  false,
);
const command = COMMANDS.find((c) => c.name === args.find((a) => !a.startsWith('-')));

/** A failure of yargs' own checks (unknown flags, bad choices, missing values) as a usage error. */
function usageError(message: string): SedjouleError {
  const typed = args.find((a) => !a.startsWith('-'));
  if (typed !== undefined && !command && /^Did you mean/.test(message))
    return new SedjouleError('E_USAGE', `unknown command '${typed}'. ${message}`);
  const known = command ? optionTable((y) => command.options(y)).keys() : [];
  return new SedjouleError('E_USAGE', withFlagSuggestions(message, args, [...known, 'json', 'progress', 'help', 'version']));
}

let cli = withOutputOptions(yargs(args))
  .scriptName('sedjoule')
  .usage('$0 <command> [options]')
  // Numbers are read by each numeric option's own rule (commands/options/numbers.ts), as typed.
  .parserConfiguration({ 'parse-numbers': false });
for (const c of COMMANDS) cli = c.register(cli);
cli = cli
  .demandCommand(1, 'name a command; see sedjoule --help')
  .strict()
  .recommendCommands()
  .help()
  .wrap(Math.min(120, process.stdout.columns || 100))
  .epilog('Every command prints text, or one JSON object with --json. Docs: README.md and docs/.')
  .fail((message, error) => {
    // Errors thrown by a command's handler carry on as they are; yargs' own checks are usage errors.
    if (error && error.name !== 'YError') throw error;
    throw usageError(message ?? error?.message ?? 'usage error');
  });

try {
  await cli.parseAsync();
} catch (error) {
  const hint = command ? `see: sedjoule ${command.name} --help` : 'see: sedjoule --help';
  process.exit(reportFailure(error, { json, command: command?.name, hint }));
}
