/**
 * A user's own folder of clips: labels.csv (or labels.tsv) at the root with the columns
 * `filename` (relative to the root; `file`, `path` and `fname` are accepted too), `labels`
 * (or `label`; several joined by ',', ';' or '|') and optionally `split`. Classes are the sorted
 * set of labels. Without a split column every item is 'train' and the caller splits.
 */
import path from 'node:path';
import { SedjouleError } from '../../errors.js';
import { readCsv, type CsvTable } from '../../util/csv.js';
import type { DatasetItem, DatasetManifest } from '../manifest.js';
import {
  AudioLookup,
  checkColumnCount,
  finishManifest,
  isFile,
  missingMetadata,
  ProblemLog,
  splitLabels,
  type ReaderOptions,
} from './common.js';

export const FOLDER_METADATA: readonly string[] = ['labels.csv', 'labels.tsv'];

const FILENAME_COLUMNS = ['filename', 'file', 'path', 'fname'];
const LABEL_COLUMNS = ['labels', 'label'];

/** Common spellings of split names, mapped to the ones the rest of sedjoule uses. */
const SPLIT_ALIASES: Record<string, string> = {
  train: 'train',
  training: 'train',
  test: 'test',
  eval: 'test',
  evaluation: 'test',
  val: 'val',
  valid: 'val',
  validation: 'val',
  dev: 'val',
};

function findColumn(table: CsvTable, file: string, names: string[], what: string): number {
  const header = (table.header ?? []).map((h) => h.trim().toLowerCase());
  const index = header.findIndex((h) => names.includes(h));
  if (index < 0) {
    throw new SedjouleError(
      'E_DATA',
      `${file}:${table.headerLine ?? 1}: no ${what} column (looked for ${names.map((n) => `'${n}'`).join(', ')}; header is ${(table.header ?? []).map((h) => `'${h}'`).join(', ')})`,
    );
  }
  return index;
}

export async function readFolder(root: string, options: ReaderOptions = {}): Promise<DatasetManifest> {
  const present: string[] = [];
  for (const name of FOLDER_METADATA) if (await isFile(path.join(root, name))) present.push(name);
  if (present.length === 0) throw missingMetadata('folder', root, [...FOLDER_METADATA]);
  if (present.length > 1) throw new SedjouleError('E_DATA', `${root}: both labels.csv and labels.tsv exist; keep one`);
  const file = path.join(root, present[0]);
  const table = await readCsv(file, { delimiter: present[0].endsWith('.tsv') ? '\t' : ',' });
  const filenameColumn = findColumn(table, file, FILENAME_COLUMNS, 'file name');
  const labelsColumn = findColumn(table, file, LABEL_COLUMNS, 'labels');
  const splitColumn = (table.header ?? []).findIndex((h) => h.trim().toLowerCase() === 'split');
  const log = new ProblemLog();
  const audio = new AudioLookup(root);
  const items: DatasetItem[] = [];
  const seen = new Map<string, number>();
  const labelSet = new Set<string>();
  for (const row of table.rows) {
    if (!checkColumnCount(table, row, file, log)) continue;
    const name = row.fields[filenameColumn].trim();
    if (!name) {
      log.add({ file, line: row.line, field: 'filename', message: 'empty file name' });
      continue;
    }
    const clip = path.resolve(root, name);
    const previous = seen.get(clip);
    if (previous !== undefined) {
      log.add({ file, line: row.line, field: 'filename', message: `'${name}' is already listed on line ${previous}` });
      continue;
    }
    seen.set(clip, row.line);
    const labels = splitLabels(row.fields[labelsColumn], /[,;|]/);
    let split = 'train';
    if (splitColumn >= 0) {
      const given = row.fields[splitColumn].trim();
      // An unknown split name is kept as written: a user may have their own ("fold3").
      if (given) split = SPLIT_ALIASES[given.toLowerCase()] ?? given;
    }
    const found = await audio.locate([root], name);
    if ('problem' in found) {
      log.add({ file, line: row.line, field: 'filename', message: found.problem });
      continue;
    }
    for (const label of labels) labelSet.add(label);
    items.push({ path: found.path, labels, split });
  }
  const classes = [...labelSet].sort();
  for (const item of items) item.labels.sort();
  return finishManifest('folder', root, classes, items, log.problems, options, false);
}
