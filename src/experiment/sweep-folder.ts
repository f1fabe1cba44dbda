/**
 * Writing a sweep's results folder (its layout and manifest format: src/records/sweep-manifest.ts).
 * Every file is written to a temporary name and renamed, so a record that exists is complete: a
 * record file that is a complete run record (src/records/validate-record.ts, the rule the analyses
 * use too) and names its run and its sweep is a finished run. This module reads and
 * writes these files and decides whether a folder may be written: a folder holding a sweep is
 * continued only with --resume, and only when its settings are this sweep's.
 */
import fs from 'node:fs';
import path from 'node:path';

import { SedjouleError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { readFolder } from '../util/read-folder.js';
import {
  manifestPath,
  readManifest,
  MANIFEST_FILE,
  RUNS_DIR,
  type ManifestRun,
  type RunStatus,
  type Shard,
  type SweepManifest,
  type SweepRecord,
  type SweepSettings,
} from '../records/sweep-manifest.js';
import { checkRunRecord } from '../records/validate-record.js';
import { settingsDiff } from './sweep-plan.js';
import { shardText } from './shard.js';

export function countRuns(runs: ManifestRun[]): SweepManifest['counts'] {
  const n = (s: RunStatus) => runs.filter((r) => r.status === s).length;
  return {
    runs: runs.length,
    inShard: runs.length - n('other-shard'),
    done: n('done'),
    failed: n('failed'),
    pending: n('pending') + n('running'),
    missing: n('missing'),
  };
}

export function writeManifest(out: string, manifest: SweepManifest): void {
  manifest.updatedAt = new Date().toISOString();
  manifest.counts = countRuns(manifest.runs);
  writeJsonAtomic(manifestPath(out), manifest);
}

export type RecordState = { state: 'done'; record: SweepRecord } | { state: 'absent' } | { state: 'corrupt'; reason: string };

/** A record file is a finished run when it is a complete run record and names this run of this sweep. */
export function readRecord(file: string, key: string, sweepId: string): RecordState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    return { state: 'corrupt', reason: `unreadable: ${(error as Error).message}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { state: 'corrupt', reason: `not JSON: ${(error as Error).message.replace(/\s+/g, ' ')}` };
  }
  // The same rule as the analyses': a record they would reject is not a finished run.
  const checked = checkRunRecord(value);
  if (!checked.ok) return { state: 'corrupt', reason: checked.reason };
  const record = checked.record as SweepRecord;
  if (record.key !== key) return { state: 'corrupt', reason: `holds run ${JSON.stringify(record.key)}, not ${key}` };
  if (record.sweep?.id !== sweepId)
    return { state: 'corrupt', reason: `belongs to sweep ${JSON.stringify(record.sweep?.id)}, not ${sweepId}` };
  return { state: 'done', record };
}

/** Record files in a folder's runs/, temporary files left by a killed writer excluded. */
export function recordFiles(out: string): string[] {
  const dir = path.join(out, RUNS_DIR);
  if (!fs.existsSync(dir)) return [];
  return readFolder(dir, 'runs folder')
    .filter((name) => name.endsWith('.json') && !name.includes('.tmp-'))
    .sort()
    .map((name) => path.join(RUNS_DIR, name));
}

/**
 * Whether this sweep may write into `out`; the folder's manifest when it holds this sweep. A folder
 * holding a sweep (or records without a manifest) is refused without --resume; with --resume it
 * must hold this sweep, with the same settings and shard, and the message names what differs.
 */
export function claimFolder(
  out: string,
  id: string,
  settings: SweepSettings,
  shard: Shard | null,
  resume: boolean,
): SweepManifest | undefined {
  const file = manifestPath(out);
  const existing = fs.existsSync(file) ? readManifest(file) : undefined;
  if (!existing) {
    const records = recordFiles(out);
    if (records.length && !resume) {
      throw new SedjouleError(
        'E_USAGE',
        `${out} holds ${records.length} run record(s) of a sweep without ${MANIFEST_FILE}; continue it with --resume, or choose another --out`,
      );
    }
    return undefined;
  }
  if (!resume) {
    const done = existing.runs.filter((r) => r.status === 'done').length;
    throw new SedjouleError(
      'E_USAGE',
      `${out} already holds sweep ${existing.id} (${done} of ${existing.runs.length} runs done); continue it with --resume, or choose another --out`,
    );
  }
  const differences = settingsDiff(settings, existing.settings, file);
  if (existing.id !== id && differences.length === 0) differences.push(`sweep id: ${id} here, ${existing.id} in ${file}`);
  if (shardText(shard) !== shardText(existing.shard))
    differences.push(`--shard: ${shardText(shard)} here, ${shardText(existing.shard)} in ${file}`);
  if (differences.length) {
    throw new SedjouleError(
      'E_USAGE',
      `--resume: the settings differ from ${file}:\n  ${differences.join('\n  ')}\nresume with the settings of that sweep, or choose another --out`,
    );
  }
  return existing;
}
