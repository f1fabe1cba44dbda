/**
 * ESC-50 (karolpiczak/ESC-50): meta/esc50.csv with header
 * filename,fold,target,category,esc10,src_file,take and the clips in audio/. One label per clip;
 * the split is by fold (5 folds, fold 5 held out by default). Classes are ordered by `target`.
 */
import path from 'node:path';
import { readCsv, requireColumns } from '../../util/csv.js';
import type { DatasetItem, DatasetManifest } from '../manifest.js';
import {
  AudioLookup,
  checkColumnCount,
  checkTestFold,
  finishManifest,
  isFile,
  missingMetadata,
  parseInteger,
  ProblemLog,
  type ReaderOptions,
} from './common.js';

export const ESC50_METADATA = 'meta/esc50.csv';
const FOLDS = 5;

export async function readEsc50(root: string, options: ReaderOptions = {}): Promise<DatasetManifest> {
  const testFold = checkTestFold('esc50', options.testFold ?? FOLDS, FOLDS);
  const file = path.join(root, ESC50_METADATA);
  if (!(await isFile(file))) throw missingMetadata('esc50', root, [ESC50_METADATA]);
  const table = await readCsv(file);
  const column = requireColumns(table, file, ['filename', 'fold', 'target', 'category']);
  const sourceColumn = table.header?.indexOf('src_file') ?? -1;
  const log = new ProblemLog();
  const audio = new AudioLookup(root);
  const audioDir = path.join(root, 'audio');
  // target → category, to order the classes and to catch rows that disagree about a target.
  const categories = new Map<number, { name: string; line: number }>();
  const items: DatasetItem[] = [];
  for (const row of table.rows) {
    if (!checkColumnCount(table, row, file, log)) continue;
    const name = row.fields[column.filename].trim();
    const fold = parseInteger(row.fields[column.fold], 1, FOLDS);
    const target = parseInteger(row.fields[column.target], 0, Number.MAX_SAFE_INTEGER);
    const category = row.fields[column.category].trim();
    if (!name) {
      log.add({ file, line: row.line, field: 'filename', message: 'empty file name' });
      continue;
    }
    if (fold === undefined) {
      log.add({ file, line: row.line, field: 'fold', message: `fold '${row.fields[column.fold]}' is not a whole number 1..${FOLDS}` });
      continue;
    }
    if (target === undefined) {
      log.add({
        file,
        line: row.line,
        field: 'target',
        message: `target '${row.fields[column.target]}' is not a class index (a whole number >= 0)`,
      });
      continue;
    }
    if (!category) {
      log.add({ file, line: row.line, field: 'category', message: 'empty category' });
      continue;
    }
    const known = categories.get(target);
    if (known && known.name !== category) {
      log.add({
        file,
        line: row.line,
        field: 'category',
        message: `target ${target} is '${known.name}' on line ${known.line}, '${category}' here`,
      });
      continue;
    }
    if (!known) categories.set(target, { name: category, line: row.line });
    const found = await audio.locate([audioDir], name);
    if ('problem' in found) {
      log.add({ file, line: row.line, field: 'filename', message: found.problem });
      continue;
    }
    const item: DatasetItem = { path: found.path, labels: [category], split: fold === testFold ? 'test' : 'train', fold };
    if (sourceColumn >= 0 && row.fields[sourceColumn].trim()) item.source = row.fields[sourceColumn].trim();
    items.push(item);
  }
  const classes = [...categories.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c.name);
  return finishManifest('esc50', root, classes, items, log.problems, options, true);
}
