/**
 * What a checkpointed run keeps beside its checkpoint (`<stem>.ckpt.progress.json`) to resume with
 * its whole history, and reading it back. The progress file is written after the checkpoint it
 * points at, both atomically. A progress file or checkpoint that cannot be used (not JSON, fields
 * missing or of the wrong type, a checkpoint that does not load) is moved aside, never deleted, the
 * reason is reported naming the file, and the run starts again from its first epoch: one damaged
 * file must not block a run for good. Only one checkpoint is kept, so no earlier state remains.
 */
import fs from 'node:fs';

import type { EnergyWindow } from '../energy/types.js';
import { errorCode } from '../errors.js';
import type { LedgerRow } from '../ledger.js';
import type { Network } from '../network.js';
import { checkEnergyWindows, checkLedgerRows } from '../records/validate-record.js';
import { moveAside } from '../util/move-aside.js';

export interface ResumeProgress {
  key: string;
  /** The network spec as JSON: a checkpoint of another model is never loaded. */
  spec: string;
  epochsDone: number;
  epochLoss: number[];
  epochEnergy: EnergyWindow[];
  ledger: LedgerRow[];
  /** Training time, steps and samples of the epochs done (absent in files written before they were kept). */
  seconds: number;
  steps?: number;
  samples?: number;
}

/** What is wrong with a parsed progress file, or undefined. */
function progressProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const p = value as Record<string, unknown>;
  if (typeof p.key !== 'string' || typeof p.spec !== 'string') return 'key or spec missing';
  const whole = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  if (!whole(p.epochsDone)) return `epochsDone must be a whole number >= 0, got ${JSON.stringify(p.epochsDone)}`;
  if (!Array.isArray(p.epochLoss) || p.epochLoss.length !== p.epochsDone || !p.epochLoss.every((l) => typeof l === 'number' || l === null))
    return `epochLoss must list one loss per epoch done (${p.epochsDone})`;
  if (!(typeof p.seconds === 'number' && Number.isFinite(p.seconds) && p.seconds >= 0)) return 'seconds must be a number >= 0';
  for (const field of ['steps', 'samples'] as const)
    if (p[field] !== undefined && !whole(p[field])) return `${field} must be a whole number >= 0, got ${JSON.stringify(p[field])}`;
  return checkEnergyWindows(p.epochEnergy, 'epochEnergy') ?? checkLedgerRows(p.ledger, 'ledger');
}

export interface ResumeTarget {
  key: string;
  spec: string;
  epochs: number;
  checkpoint: string;
  progressFile: string;
  /** Told what was moved aside and why (one line). */
  report: (line: string) => void;
}

/** Moves the damaged files aside and says so; the run then starts from its first epoch. */
function setAside(target: ResumeTarget, damaged: string, reason: string): void {
  const moved = [target.progressFile, target.checkpoint]
    .filter((file) => fs.existsSync(file))
    .map((file) => `${file} -> ${moveAside(file)}`);
  target.report(
    `${target.key}: cannot resume: ${damaged}: ${reason}; moved aside (${moved.join(', ')}) and the run starts again from its first epoch`,
  );
}

/**
 * The progress to resume from, with the checkpoint loaded into `net`; undefined when there is
 * none for this run (or it was damaged and set aside: `net` is then to be built afresh, as a
 * failed load may have changed it).
 */
export async function resumeProgress(net: Network, target: ResumeTarget): Promise<{ progress?: ResumeProgress; damaged: boolean }> {
  if (!fs.existsSync(target.progressFile)) return { damaged: false };
  let value: unknown;
  try {
    const text = fs.readFileSync(target.progressFile, 'utf8');
    try {
      value = JSON.parse(text);
    } catch (error) {
      setAside(target, target.progressFile, `not JSON: ${(error as Error).message.replace(/\s+/g, ' ')}`);
      return { damaged: true };
    }
  } catch (error) {
    setAside(target, target.progressFile, `unreadable: ${(error as Error).message}`);
    return { damaged: true };
  }
  const problem = progressProblem(value);
  if (problem) {
    setAside(target, target.progressFile, problem);
    return { damaged: true };
  }
  const saved = value as ResumeProgress;
  // Another run's or another model's progress (or more epochs than asked): not this run's to resume.
  if (saved.key !== target.key || saved.spec !== target.spec || saved.epochsDone > target.epochs) return { damaged: false };
  try {
    await net.loadCheckpoint(target.checkpoint);
  } catch (error) {
    setAside(target, target.checkpoint, `${errorCode(error) ?? 'Error'}: ${(error as Error).message}`);
    return { damaged: true };
  }
  return { progress: saved, damaged: false };
}
