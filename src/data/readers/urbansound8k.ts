/**
 * UrbanSound8K: metadata/UrbanSound8K.csv with header
 * slice_file_name,fsID,start,end,salience,fold,classID,class and the clips in audio/fold<N>/.
 * One label per clip; 10 predefined folds (the dataset's authors ask for 10-fold cross-validation
 * on them, never a random split: slices of one recording share a fold), fold 10 held out by
 * default. Classes are ordered by classID.
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

export const URBANSOUND8K_METADATA = 'metadata/UrbanSound8K.csv';
const FOLDS = 10;

export async function readUrbanSound8k(root: string, options: ReaderOptions = {}): Promise<DatasetManifest> {
  const testFold = checkTestFold('urbansound8k', options.testFold ?? FOLDS, FOLDS);
  const file = path.join(root, URBANSOUND8K_METADATA);
  if (!(await isFile(file))) throw missingMetadata('urbansound8k', root, [URBANSOUND8K_METADATA]);
  const table = await readCsv(file);
  const column = requireColumns(table, file, ['slice_file_name', 'fsID', 'fold', 'classID', 'class']);
  const log = new ProblemLog();
  const audio = new AudioLookup(root);
  const classNames = new Map<number, { name: string; line: number }>();
  const items: DatasetItem[] = [];
  for (const row of table.rows) {
    if (!checkColumnCount(table, row, file, log)) continue;
    const name = row.fields[column.slice_file_name].trim();
    const fold = parseInteger(row.fields[column.fold], 1, FOLDS);
    const classId = parseInteger(row.fields[column.classID], 0, Number.MAX_SAFE_INTEGER);
    const label = row.fields[column.class].trim();
    if (!name) {
      log.add({ file, line: row.line, field: 'slice_file_name', message: 'empty file name' });
      continue;
    }
    if (fold === undefined) {
      log.add({ file, line: row.line, field: 'fold', message: `fold '${row.fields[column.fold]}' is not a whole number 1..${FOLDS}` });
      continue;
    }
    if (classId === undefined) {
      log.add({
        file,
        line: row.line,
        field: 'classID',
        message: `classID '${row.fields[column.classID]}' is not a class index (a whole number >= 0)`,
      });
      continue;
    }
    if (!label) {
      log.add({ file, line: row.line, field: 'class', message: 'empty class name' });
      continue;
    }
    const known = classNames.get(classId);
    if (known && known.name !== label) {
      log.add({
        file,
        line: row.line,
        field: 'class',
        message: `classID ${classId} is '${known.name}' on line ${known.line}, '${label}' here`,
      });
      continue;
    }
    if (!known) classNames.set(classId, { name: label, line: row.line });
    const dir = path.join(root, 'audio', `fold${fold}`);
    const found = await audio.locate([dir], name);
    if ('problem' in found) {
      log.add({ file, line: row.line, field: 'slice_file_name', message: found.problem });
      continue;
    }
    const item: DatasetItem = { path: found.path, labels: [label], split: fold === testFold ? 'test' : 'train', fold };
    const source = row.fields[column.fsID].trim();
    if (source) item.source = source;
    items.push(item);
  }
  const classes = [...classNames.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c.name);
  return finishManifest('urbansound8k', root, classes, items, log.problems, options, true);
}
