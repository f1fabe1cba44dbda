/**
 * Reading run records for analyses and reports. A results folder is what a sweep writes (`<results>/runs/*.json`
 * beside its sweep.json); a plain folder of record files, or single record files, work too, so
 * records copied out of several sweeps can be analysed together. Files that are not run records
 * are listed with the reason instead of stopping the analysis: one truncated file should not hide
 * a hundred good ones.
 */
import fs from 'node:fs';
import path from 'node:path';

import { SedjouleError } from '../errors.js';
import { readFolder } from '../util/read-folder.js';
import type { RunRecord } from './run-record.js';
import { checkRunRecord } from './validate-record.js';
import { RUNS_DIR } from './sweep-manifest.js';

export interface LoadedRecords {
  records: RunRecord[];
  /** The file each record came from, by record key. */
  files: Record<string, string>;
  skipped: Array<{ file: string; reason: string }>;
}

/** The record files a path stands for: a file, `<dir>/runs/*.json`, or `<dir>/*.json`. */
export function recordFiles(target: string): string[] {
  if (!fs.existsSync(target)) throw new SedjouleError('E_IO', `${target}: no such file or folder`);
  if (fs.statSync(target).isFile()) return [target];
  const runs = path.join(target, RUNS_DIR);
  const dir = fs.existsSync(runs) && fs.statSync(runs).isDirectory() ? runs : target;
  return readFolder(dir, 'results folder')
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Every run record under the given paths; a key seen twice keeps its first file. */
export function loadRunRecords(targets: string | string[]): LoadedRecords {
  const out: LoadedRecords = { records: [], files: {}, skipped: [] };
  const list = Array.isArray(targets) ? targets : [targets];
  for (const target of list) {
    for (const file of recordFiles(target)) {
      let value: unknown;
      try {
        value = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (error) {
        out.skipped.push({ file, reason: `not readable JSON: ${(error as Error).message}` });
        continue;
      }
      // sweep.json and other files beside the records are not errors, but say why they were left.
      const checked = checkRunRecord(value);
      if (!checked.ok) {
        out.skipped.push({ file, reason: checked.reason });
        continue;
      }
      const record = checked.record;
      if (out.files[record.key]) {
        out.skipped.push({ file, reason: `duplicate run key ${record.key} (kept ${out.files[record.key]})` });
        continue;
      }
      out.files[record.key] = file;
      out.records.push(record);
    }
  }
  if (out.records.length === 0) {
    const why = out.skipped.length
      ? `; skipped: ${out.skipped
          .slice(0, 3)
          .map((s) => `${s.file}: ${s.reason}`)
          .join('; ')}`
      : '';
    throw new SedjouleError('E_DATA', `no run records found in ${list.join(', ')} (looked for runs/*.json, then *.json)${why}`);
  }
  return out;
}
