/** The options of a run's protocol: train and sweep (demo fixes all but its epochs). */
import type { Argv } from 'yargs';

import { SedjouleError } from '../../errors.js';
import { PHASES, type Phase } from '../../records/run-record.js';
import { numberOption } from './numbers.js';

/** "train,test,run" -> phases in that order; E_USAGE naming an unknown or repeated phase. */
function parsePhases(text: unknown): Phase[] {
  const phases = String(text)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of phases)
    if (!PHASES.includes(p as Phase)) throw new SedjouleError('E_USAGE', `--phases: unknown phase '${p}' (known: ${PHASES.join(', ')})`);
  if (new Set(phases).size !== phases.length) throw new SedjouleError('E_USAGE', `--phases: a phase is listed twice in '${String(text)}'`);
  if (phases.length === 0) throw new SedjouleError('E_USAGE', '--phases: name at least one phase: train, test, run');
  return phases as Phase[];
}

interface PhasesOption {
  requiresArg: true;
  describe: string;
  coerce: (text: unknown) => Phase[];
}

/** --phases: phases to run (train, sweep) or to compare (normalize); comma-separated. */
export function phasesOption(describe: string): PhasesOption;
export function phasesOption(describe: string, defaultPhases: Phase[]): PhasesOption & { default: Phase[] };
export function phasesOption(describe: string, defaultPhases?: Phase[]): PhasesOption {
  return {
    requiresArg: true,
    describe: `${describe} (comma-separated: train, test, run)`,
    coerce: parsePhases,
    ...(defaultPhases ? { default: defaultPhases, defaultDescription: defaultPhases.join(',') } : {}),
  };
}

/** The protocol: phases, epochs, batch, learning rate, and the run phase's passes. */
export function withTrainingOptions<T>(y: Argv<T>, defaults: { phases: Phase[]; epochs: number }) {
  return y
    .option('phases', phasesOption('Phases of every run, in order', defaults.phases))
    .option('epochs', numberOption('epochs', 'Training epochs (the study: 10)', defaults.epochs))
    .option('batch', numberOption('batch', 'Batch size', 8))
    .option('lr', numberOption('lr', "Learning rate (Adam, or the named model's optimiser)", 1e-3))
    .option('run-passes', numberOption('run-passes', 'Run phase: forward passes on a fixed random input (the study: 60)', 60))
    .option('run-batch', numberOption('run-batch', 'Run phase: batch size of those passes', 1))
    .group(['phases', 'epochs', 'batch', 'lr', 'run-passes', 'run-batch'], 'Training:');
}

export interface TrainingArgs {
  phases: Phase[];
  epochs: number;
  batch: number;
  lr: number;
  'run-passes': number;
  'run-batch': number;
}
