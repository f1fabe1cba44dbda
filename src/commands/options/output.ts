/**
 * How every command prints: text for people, or with --json one JSON object in one envelope,
 * `{ command, version, format?, formatVersion?, ...report }`: the command, sedjoule's version,
 * and for a report that is a stored record (a run record, a sweep manifest) its `format` and
 * that format's own version (`version` in the files on disk). Errors too:
 * `{ command, version, error: { code, message } }` with --json, a line on stderr without.
 */
import type { Argv } from 'yargs';

import { errorCode } from '../../errors.js';
import { packageVersion } from '../../version.js';

export function withOutputOptions<T>(y: Argv<T>) {
  return y
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object instead of text' })
    .option('progress', { type: 'boolean', default: true, describe: 'Show progress on stderr (only when it is a terminal)' })
    .version(packageVersion())
    .group(['json', 'progress', 'help', 'version'], 'Output:');
}

export interface OutputArgs {
  json: boolean;
  progress: boolean;
}

/** Progress lines and bars go to stderr, and never beside JSON. */
export function showsProgress(argv: OutputArgs): boolean {
  return argv.progress && !argv.json;
}

/** The JSON every command prints: see the file's comment. */
export function envelope(command: string, report: object): Record<string, unknown> {
  const { format, version: formatVersion, ...rest } = report as { format?: unknown; version?: unknown };
  return {
    command,
    version: packageVersion(),
    ...(typeof format === 'string' ? { format, formatVersion } : {}),
    ...rest,
  };
}

/** Prints a command's report: its text, or its JSON in the envelope. */
export function emit(command: string, argv: Pick<OutputArgs, 'json'>, report: object, text: () => string): void {
  process.stdout.write(argv.json ? `${JSON.stringify(envelope(command, report), null, 2)}\n` : `${text()}\n`);
}

/** Usage errors (yargs' own and E_USAGE) exit 2; every other failure exits 1. */
function exitCodeOf(code: string): number {
  return code === 'E_USAGE' ? 2 : 1;
}

/** Prints a failure as the output mode asks (`hint`: where to look, after a usage error), and returns the exit code. */
export function reportFailure(error: unknown, options: { json: boolean; command?: string; hint: string }): number {
  const code = errorCode(error) ?? 'E_INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  if (options.json) {
    const head = options.command ? { command: options.command } : {};
    process.stdout.write(`${JSON.stringify({ ...head, version: packageVersion(), error: { code, message } }, null, 2)}\n`);
  } else {
    process.stderr.write(`sedjoule: ${code}: ${message}\n${code === 'E_USAGE' ? `${options.hint}\n` : ''}`);
  }
  return exitCodeOf(code);
}
