/**
 * `sedjoule merge OUT IN...`: the result folders of one sweep's shards (or of any runs of one
 * sweep) combined into one folder. Records are copied as they are; a run found in two folders
 * must have the same record in both (a copy, or a folder merged twice), and two different
 * records of one run are refused, naming both files, since only a person can tell which is
 * right. The merged manifest lists the full run list with each run done or missing, so a merged
 * folder shows what is left to run, and `sweep --resume --out OUT` (without --shard) runs it.
 */
import fs from 'node:fs';
import path from 'node:path';

import { SedjouleError } from '../errors.js';
import { ensureFolder, writeFileAtomic } from '../util/atomic.js';
import { readRecord, recordFiles, writeManifest } from './sweep-folder.js';
import { manifestPath, readManifest, recordFile, type Shard, type SweepManifest, type SweepRecord } from '../records/sweep-manifest.js';
import { settingsDiff } from './sweep-plan.js';

export interface MergeReport {
  out: string;
  id: string;
  inputs: Array<{ folder: string; shard: Shard | null; records: number }>;
  runs: number;
  /** Runs with a record in the merged folder. */
  done: number;
  copied: number;
  /** Records found more than once, identical each time. */
  duplicates: number;
  missing: string[];
  problems: string[];
}

interface Found {
  file: string;
  text: string;
  /** The record re-serialised: equal for equal records whatever the whitespace. */
  canonical: string;
}

export function mergeSweeps(out: string, inputs: string[]): MergeReport {
  if (inputs.length === 0) throw new SedjouleError('E_USAGE', 'name at least one folder to merge: sedjoule merge OUT IN1 IN2 ...');
  const manifests = inputs.map((folder) => {
    const file = manifestPath(folder);
    if (!fs.existsSync(file)) throw new SedjouleError('E_USAGE', `${folder} is not a sweep results folder (no ${path.basename(file)})`);
    return readManifest(file);
  });
  const reference = manifests[0];
  manifests.forEach((m, i) => {
    const differences = settingsDiff(m.settings, reference.settings, manifestPath(inputs[0]));
    if (differences.length || m.id !== reference.id) {
      throw new SedjouleError(
        'E_USAGE',
        `${inputs[i]} holds another sweep (${m.id}) than ${inputs[0]} (${reference.id}):\n  ${differences.join('\n  ')}`,
      );
    }
  });
  // OUT may be new, or hold this sweep already (a merge repeated as shards finish).
  const existing = fs.existsSync(manifestPath(out)) ? readManifest(manifestPath(out)) : undefined;
  if (existing) {
    const differences = settingsDiff(existing.settings, reference.settings, manifestPath(inputs[0]));
    if (differences.length || existing.id !== reference.id) {
      throw new SedjouleError(
        'E_USAGE',
        `${out} holds another sweep (${existing.id}) than the folders merged into it (${reference.id}):\n  ${differences.join('\n  ')}`,
      );
    }
  } else if (recordFiles(out).length) {
    throw new SedjouleError('E_USAGE', `${out} holds run records without a ${path.basename(manifestPath(out))}: merge into a new folder`);
  }

  const keys = new Set(reference.runs.map((r) => r.key));
  const found = new Map<string, Found>();
  const problems: string[] = [];
  let duplicates = 0;
  const counts = new Map<string, number>();
  for (const folder of [out, ...inputs]) {
    for (const rel of recordFiles(folder)) {
      const file = path.join(folder, rel);
      let text = '';
      let key: string | undefined;
      try {
        text = fs.readFileSync(file, 'utf8');
        const value = JSON.parse(text) as SweepRecord | null;
        key = typeof value?.key === 'string' ? value.key : undefined;
      } catch {
        // Unreadable or not JSON: listed below as not a run record, like any other stranger.
        key = undefined;
      }
      const state = key && keys.has(key) ? readRecord(file, key, reference.id) : undefined;
      if (!key || !state || state.state !== 'done') {
        problems.push(
          `${file}: ${state && state.state === 'corrupt' ? state.reason : key ? `run ${key} is not in the sweep's run list` : 'not a run record'}; skipped`,
        );
        continue;
      }
      counts.set(folder, (counts.get(folder) ?? 0) + 1);
      const canonical = JSON.stringify(state.record);
      const seen = found.get(key);
      if (!seen) {
        found.set(key, { file, text, canonical });
      } else if (path.resolve(seen.file) === path.resolve(file)) {
        continue; // the same file reached twice (OUT named among the inputs)
      } else if (seen.canonical === canonical) {
        ++duplicates;
      } else {
        throw new SedjouleError(
          'E_DATA',
          `conflicting records of run ${key}: ${seen.file} and ${file} differ; keep the right one and merge again`,
        );
      }
    }
  }

  let copied = 0;
  ensureFolder(path.join(out, 'runs'), 'results folder');
  for (const [key, record] of found) {
    const target = path.join(out, recordFile(key));
    if (path.resolve(record.file) === path.resolve(target)) continue;
    writeFileAtomic(target, record.text);
    ++copied;
  }

  const all = existing ? [existing, ...manifests] : manifests;
  const now = new Date().toISOString();
  const manifest: SweepManifest = {
    ...reference,
    status: reference.runs.every((r) => found.has(r.key)) ? 'finished' : 'incomplete',
    shard: null,
    createdAt: all.map((m) => m.createdAt).sort()[0],
    updatedAt: now,
    runs: reference.runs.map(({ error: _error, ...run }) => ({ ...run, status: found.has(run.key) ? 'done' : 'missing' })),
    data: Object.assign({}, ...all.map((m) => m.data)),
    problems: [...new Set([...all.flatMap((m) => m.problems), ...problems])],
    sessions: uniqueSessions(all),
    merged: [
      ...(existing?.merged ?? []),
      ...inputs.map((folder, i) => ({ folder: path.resolve(folder), shard: manifests[i].shard, records: counts.get(folder) ?? 0 })),
    ],
  };
  writeManifest(out, manifest);
  return {
    out,
    id: reference.id,
    inputs: inputs.map((folder, i) => ({ folder, shard: manifests[i].shard, records: counts.get(folder) ?? 0 })),
    runs: manifest.runs.length,
    done: found.size,
    copied,
    duplicates,
    missing: manifest.runs.filter((r) => r.status === 'missing').map((r) => r.key),
    problems,
  };
}

/** Sessions of every folder, each once (a folder merged twice brings its sessions twice). */
function uniqueSessions(manifests: SweepManifest[]): SweepManifest['sessions'] {
  const seen = new Map<string, SweepManifest['sessions'][number]>();
  for (const s of manifests.flatMap((m) => m.sessions)) seen.set(`${s.startedAt} ${s.provenance.hostname} ${JSON.stringify(s.shard)}`, s);
  return [...seen.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
