/** What the dataset readers share: options, problem collection, audio lookup and class selection. */
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { SedjouleError } from '../../errors.js';
import type { CsvRow, CsvTable } from '../../util/csv.js';
import type { DatasetFormat, DatasetItem, DatasetManifest, Problem } from '../manifest.js';

export interface ReaderOptions {
  /** Fold held out as the test split (ESC-50: 1..5, default 5; UrbanSound8K: 1..10, default 10). */
  testFold?: number;
  /**
   * Use only these classes, in this order. Labels outside them are removed from items; in
   * single-label formats (ESC-50, UrbanSound8K) an item left without a label is dropped, in
   * multi-label formats it stays as a clip with none of the selected classes. Each name must be
   * one of the dataset's classes (E_VALUE otherwise, so a typo does not give an empty class).
   */
  classes?: string[];
}

/** Collects problems; `bad` remembers which keys (file names) a problem made unusable. */
export class ProblemLog {
  readonly problems: Problem[] = [];
  private readonly badKeys = new Set<string>();

  add(problem: Problem, badKey?: string): void {
    this.problems.push(problem);
    if (badKey !== undefined) this.badKeys.add(badKey);
  }

  isBad(key: string): boolean {
    return this.badKeys.has(key);
  }
}

/**
 * Reports a row whose field count differs from the header's. Returns false when the row must
 * be skipped.
 */
export function checkColumnCount(table: CsvTable, row: CsvRow, file: string, log: ProblemLog, badKey?: string): boolean {
  const expected = table.header?.length ?? 0;
  if (row.fields.length === expected) return true;
  log.add(
    { file, line: row.line, message: `expected ${expected} columns (${(table.header ?? []).join(', ')}), found ${row.fields.length}` },
    badKey,
  );
  return false;
}

/** Splits a joined label list on any of the separator characters, trimming and de-duplicating. */
export function splitLabels(text: string, separators: RegExp): string[] {
  const labels: string[] = [];
  for (const part of text.split(separators)) {
    const label = part.trim();
    if (label && !labels.includes(label)) labels.push(label);
  }
  return labels;
}

/** A whole number in [min, max] written in a field, or undefined. */
export function parseInteger(text: string, min: number, max: number): number | undefined {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

/** A finite number written in a field, or undefined ("" and "abc" are not numbers). */
export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

export async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Whether `file` is `dir` or lies below it (both absolute and normalised). */
function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Finds the audio files that metadata names, inside the dataset root only: a name that leads out
 * of it (`../../x.wav`, an absolute path) or a file that is a link to something outside it is a
 * problem of the dataset, never read. The folders a format reads audio from (audio/,
 * FSD50K.dev_audio/, ...) may themselves be links to another disk: a file is accepted when, after
 * links, it lies inside the root or inside the folder it was listed in.
 *
 * "Does this file exist" is answered from one directory listing per folder: a set such as
 * FSD50K has 51k files, and one readdir per folder is far cheaper than a stat per file.
 */
export class AudioLookup {
  /** Each folder's names, or the error code that kept it from being listed (ENOENT, ENOTDIR, EACCES). */
  private readonly listings = new Map<string, Promise<Set<string> | string>>();
  private readonly realDirs = new Map<string, Promise<string | undefined>>();

  /** `root`: the absolute dataset root. */
  constructor(private readonly root: string) {}

  private listing(dir: string): Promise<Set<string> | string> {
    let entries = this.listings.get(dir);
    if (!entries) {
      entries = readdir(dir).then(
        (names) => new Set(names),
        (error: NodeJS.ErrnoException) => error.code ?? error.message,
      );
      this.listings.set(dir, entries);
    }
    return entries;
  }

  private realDir(dir: string): Promise<string | undefined> {
    let real = this.realDirs.get(dir);
    if (!real) {
      real = realpath(dir).then(
        (resolved) => resolved,
        () => undefined,
      );
      this.realDirs.set(dir, real);
    }
    return real;
  }

  private async exists(file: string): Promise<boolean> {
    const names = await this.listing(path.dirname(file));
    return typeof names !== 'string' && names.has(path.basename(file));
  }

  /**
   * The path of the file `name` in the first of `dirs` holding it, or the problem message: not
   * found, or outside the dataset root (by its name, or after links).
   */
  async locate(dirs: string[], name: string): Promise<{ path: string } | { problem: string }> {
    for (const dir of dirs) {
      const candidate = path.resolve(dir, name);
      if (!isInside(this.root, candidate)) return { problem: `'${name}' leads to ${candidate}, outside the dataset root ${this.root}` };
    }
    for (const dir of dirs) {
      const candidate = path.resolve(dir, name);
      if (!(await this.exists(candidate))) continue;
      let real: string;
      try {
        real = await realpath(candidate);
      } catch (error) {
        return { problem: `'${name}': cannot resolve ${candidate} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
      }
      const allowed = [await this.realDir(this.root), await this.realDir(dir)];
      if (!allowed.some((inside) => inside !== undefined && isInside(inside, real))) {
        return { problem: `'${name}' is a link to ${real}, outside the dataset root ${this.root}` };
      }
      return { path: candidate };
    }
    return { problem: await this.missingMessage(dirs, name) };
  }

  /** A problem message for a file not found in `dirs`. */
  private async missingMessage(dirs: string[], name: string): Promise<string> {
    const absent: string[] = [];
    const unreadable: string[] = [];
    for (const dir of dirs) {
      const listing = await this.listing(dir);
      if (listing === 'ENOENT') absent.push(dir);
      else if (typeof listing === 'string') unreadable.push(`${dir} (${listing === 'ENOTDIR' ? 'a file, not a folder' : listing})`);
    }
    const where = dirs.length === 1 ? dirs[0] : `any of ${dirs.join(', ')}`;
    const notes: string[] = [];
    if (absent.length > 0)
      notes.push(`folder${absent.length > 1 ? 's' : ''} ${absent.join(', ')} do${absent.length > 1 ? '' : 'es'} not exist`);
    if (unreadable.length > 0) notes.push(`cannot list ${unreadable.join(', ')}`);
    return `audio file '${name}' not found in ${where}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
  }
}

/** The E_DATA error for a dataset whose required metadata file is missing. */
export function missingMetadata(format: DatasetFormat, root: string, wanted: string[]): SedjouleError {
  return new SedjouleError(
    'E_DATA',
    `${root}: not a readable ${format} dataset: ${wanted.length > 1 ? 'none of ' : ''}${wanted.map((w) => path.join(root, w)).join(', ')} ${wanted.length > 1 ? 'exists' : 'does not exist'}`,
  );
}

/**
 * Builds the manifest, applying the `classes` selection (see ReaderOptions). `singleLabel`
 * formats drop items left without a label.
 */
export function finishManifest(
  format: DatasetFormat,
  root: string,
  vocabulary: string[],
  items: DatasetItem[],
  problems: Problem[],
  options: ReaderOptions,
  singleLabel: boolean,
): DatasetManifest {
  // Problems in file and line order read like a lint report, whatever order they were found in
  // (missing audio is only found after all metadata rows are parsed).
  problems = [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
  if (!options.classes) return { format, root, classes: vocabulary, items, problems };
  const known = new Set(vocabulary);
  const seen = new Set<string>();
  for (const name of options.classes) {
    if (!known.has(name)) {
      const list =
        vocabulary.length > 20 ? `${vocabulary.slice(0, 20).join(', ')}, ... (${vocabulary.length} in all)` : vocabulary.join(', ');
      throw new SedjouleError('E_VALUE', `class '${name}' is not one of the ${format} dataset's classes at ${root}: ${list}`);
    }
    if (seen.has(name)) throw new SedjouleError('E_VALUE', `class '${name}' is listed twice`);
    seen.add(name);
  }
  const selected: DatasetItem[] = [];
  for (const item of items) {
    const labels = item.labels.filter((l) => seen.has(l));
    if (singleLabel && labels.length === 0) continue;
    const kept: DatasetItem = { ...item, labels };
    if (item.events) kept.events = item.events.filter((e) => seen.has(e.label));
    selected.push(kept);
  }
  return { format, root, classes: [...options.classes], items: selected, problems };
}

/** Validates a test fold against the folds a format has. */
export function checkTestFold(format: DatasetFormat, testFold: number, folds: number): number {
  if (!Number.isInteger(testFold) || testFold < 1 || testFold > folds) {
    throw new SedjouleError('E_VALUE', `${format}: test fold must be 1..${folds}, got ${testFold}`);
  }
  return testFold;
}
