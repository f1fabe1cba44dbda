/**
 * FSD50K (FSD50K.doc/README.md):
 *
 *   FSD50K.ground_truth/dev.csv         fname,labels,mids,split   (split: train | val)
 *   FSD50K.ground_truth/eval.csv        fname,labels,mids         (the test split)
 *   FSD50K.ground_truth/vocabulary.csv  index,label,mid, no header: the 200 classes in order
 *   FSD50K.dev_audio/<fname>.wav, FSD50K.eval_audio/<fname>.wav
 *
 * `labels` is a quoted comma-joined list of smeared labels (propagated up the AudioSet ontology).
 * Without vocabulary.csv the classes are the sorted set of labels seen.
 */
import path from 'node:path';
import { readCsv, requireColumns } from '../../util/csv.js';
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

export const FSD50K_DEV = 'FSD50K.ground_truth/dev.csv';
export const FSD50K_EVAL = 'FSD50K.ground_truth/eval.csv';
const FSD50K_VOCABULARY = 'FSD50K.ground_truth/vocabulary.csv';

/** vocabulary.csv: classes ordered by index, or undefined when the file is absent. */
async function readVocabulary(root: string, log: ProblemLog): Promise<string[] | undefined> {
  const file = path.join(root, FSD50K_VOCABULARY);
  if (!(await isFile(file))) return undefined;
  const table = await readCsv(file, { header: false });
  const byIndex: Array<{ index: number; label: string }> = [];
  for (const row of table.rows) {
    const index = Number(row.fields[0]);
    const label = row.fields[1]?.trim() ?? '';
    if (row.fields.length < 2 || !Number.isInteger(index) || !label) {
      log.add({ file, line: row.line, message: `expected index,label,mid, found ${JSON.stringify(row.fields.join(','))}` });
      continue;
    }
    byIndex.push({ index, label });
  }
  return byIndex.sort((a, b) => a.index - b.index).map((v) => v.label);
}

export async function readFsd50k(root: string, options: ReaderOptions = {}): Promise<DatasetManifest> {
  const log = new ProblemLog();
  const vocabulary = await readVocabulary(root, log);
  const known = vocabulary ? new Set(vocabulary) : undefined;
  const seenLabels = new Set<string>();
  const audio = new AudioLookup(root);
  const items: DatasetItem[] = [];
  let found = 0;
  for (const part of [
    { relative: FSD50K_DEV, audioDir: 'FSD50K.dev_audio', hasSplit: true },
    { relative: FSD50K_EVAL, audioDir: 'FSD50K.eval_audio', hasSplit: false },
  ]) {
    const file = path.join(root, part.relative);
    if (!(await isFile(file))) continue;
    ++found;
    const table = await readCsv(file);
    const column = requireColumns(table, file, ['fname', 'labels']);
    const splitColumn = part.hasSplit ? requireColumns(table, file, ['split']).split : -1;
    const dir = path.join(root, part.audioDir);
    for (const row of table.rows) {
      if (!checkColumnCount(table, row, file, log)) continue;
      const fname = row.fields[column.fname].trim();
      if (!fname) {
        log.add({ file, line: row.line, field: 'fname', message: 'empty fname' });
        continue;
      }
      let split = 'test';
      if (splitColumn >= 0) {
        split = row.fields[splitColumn].trim();
        if (split !== 'train' && split !== 'val') {
          log.add({ file, line: row.line, field: 'split', message: `split '${split}' is neither 'train' nor 'val'` });
          continue;
        }
      }
      const labels = splitLabels(row.fields[column.labels], /,/);
      if (labels.length === 0) {
        log.add({ file, line: row.line, field: 'labels', message: 'no labels (every FSD50K clip has at least one)' });
        continue;
      }
      const unknown = known ? labels.filter((l) => !known.has(l)) : [];
      if (unknown.length > 0) {
        log.add({
          file,
          line: row.line,
          field: 'labels',
          message: `unknown label${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} (not in vocabulary.csv)`,
        });
        continue;
      }
      // Freesound ids name the files; the .wav is added unless the csv already has it.
      const name = fname.toLowerCase().endsWith('.wav') ? fname : `${fname}.wav`;
      const found = await audio.locate([dir], name);
      if ('problem' in found) {
        log.add({ file, line: row.line, field: 'fname', message: found.problem });
        continue;
      }
      for (const label of labels) seenLabels.add(label);
      items.push({ path: found.path, labels, split, source: fname });
    }
  }
  if (found === 0) throw missingMetadata('fsd50k', root, [FSD50K_DEV, FSD50K_EVAL]);
  const classes = vocabulary ?? [...seenLabels].sort();
  const order = new Map(classes.map((c, i) => [c, i]));
  // Labels in class order, so a manifest reads the same however the csv ordered them.
  for (const item of items) item.labels.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return finishManifest('fsd50k', root, classes, items, log.problems, options, false);
}
