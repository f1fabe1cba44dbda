/**
 * The one internal description of a labelled audio set that every dataset reader produces: which
 * files, which labels (and timed events where the format has them), which split. Readers never
 * stop at the first bad row: they collect Problems (with file, line and field) and leave the
 * affected items out, so one pass shows everything wrong with a set and `--skip-bad` can go on
 * without those items.
 */
import { SedjouleError } from '../errors.js';

export type DatasetFormat = 'desed' | 'esc50' | 'urbansound8k' | 'fsd50k' | 'folder';

export const DATASET_FORMATS: readonly DatasetFormat[] = ['desed', 'esc50', 'urbansound8k', 'fsd50k', 'folder'];

export interface DatasetEvent {
  /** Seconds from the start of the clip. */
  onset: number;
  offset: number;
  label: string;
}

export interface DatasetItem {
  /** Absolute path of the audio file. */
  path: string;
  /** Clip-level (weak) labels, each one of the manifest's classes. Empty: a clip with no event. */
  labels: string[];
  /** Timed (strong) labels, where the format has them. */
  events?: DatasetEvent[];
  /** 'train', 'test', 'val', ... */
  split: string;
  /** Cross-validation fold (ESC-50, UrbanSound8K). */
  fold?: number;
  /**
   * The recording the clip was cut from (ESC-50 src_file, UrbanSound8K fsID, DESED metadata
   * file), so splits can be checked for leaks.
   */
  source?: string;
}

export interface Problem {
  /** The metadata file (or audio file) the problem is in. */
  file: string;
  line?: number;
  /** Column name, e.g. 'onset', 'fold', 'labels'. */
  field?: string;
  message: string;
}

export interface DatasetManifest {
  format: DatasetFormat;
  /** Absolute dataset root. */
  root: string;
  /** Class vocabulary in target order. */
  classes: string[];
  /** Items that passed every check; items with problems are already left out. */
  items: DatasetItem[];
  problems: Problem[];
}

/** "file:line (field): message". */
export function formatProblem(problem: Problem): string {
  const where = problem.line !== undefined ? `${problem.file}:${problem.line}` : problem.file;
  return `${where}${problem.field ? ` (${problem.field})` : ''}: ${problem.message}`;
}

/** How many problems an E_DATA message lists before "... and N more". */
const PROBLEMS_SHOWN = 10;

/**
 * Decides what happens to a manifest's problems. Without `skipBad` any problem is an E_DATA error
 * listing the first ones and the total; with `skipBad` the (already excluded) bad items are
 * reported in `skipped` and the returned manifest has no problems left. Items whose labels fall
 * outside the class list are treated as problems too, so a reader bug cannot produce targets
 * that silently miss a class. A manifest left with no items is always an error.
 */
export function checkManifest(manifest: DatasetManifest, options: { skipBad: boolean }): { manifest: DatasetManifest; skipped: Problem[] } {
  const classes = new Set(manifest.classes);
  const problems = [...manifest.problems];
  const items: DatasetItem[] = [];
  for (const item of manifest.items) {
    const unknown = [...item.labels, ...(item.events ?? []).map((e) => e.label)].filter((label) => !classes.has(label));
    if (unknown.length > 0) {
      problems.push({
        file: item.path,
        field: 'labels',
        message: `label${unknown.length > 1 ? 's' : ''} ${[...new Set(unknown)].map((u) => `'${u}'`).join(', ')} not among the ${manifest.classes.length} classes`,
      });
    } else {
      items.push(item);
    }
  }
  const label = `${manifest.root} (${manifest.format})`;
  if (problems.length > 0 && !options.skipBad) {
    const shown = problems.slice(0, PROBLEMS_SHOWN).map((p) => `  ${formatProblem(p)}`);
    if (problems.length > PROBLEMS_SHOWN) shown.push(`  ... and ${problems.length - PROBLEMS_SHOWN} more`);
    throw new SedjouleError(
      'E_DATA',
      `${label}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the dataset; fix them, or run with --skip-bad to skip the affected items (${items.length} good items would remain):\n${shown.join('\n')}`,
    );
  }
  if (items.length === 0) {
    const why = problems.length > 0 ? `; all were skipped for ${problems.length} problem(s), the first: ${formatProblem(problems[0])}` : '';
    throw new SedjouleError('E_DATA', `${label}: no usable items${why}`);
  }
  return { manifest: { ...manifest, items, problems: [] }, skipped: problems };
}

/** Counts items per split, for summaries ("train 1600, test 400"). */
export function splitCounts(manifest: DatasetManifest): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of manifest.items) counts[item.split] = (counts[item.split] ?? 0) + 1;
  return counts;
}
