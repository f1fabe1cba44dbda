/**
 * One run of one model (src/experiment/run.ts) from flat options, through the train and test
 * phases (and the run phase when asked): what `sedjoule train` runs.
 */
import type { EnergySettings } from '../energy/settings.js';
import type { Device } from '../ledger.js';
import type { ModelRef } from '../models/presets.js';
import type { Phase, RunRecord } from '../records/run-record.js';
import type { DataSettings } from './data.js';
import { runExperiment } from './run.js';

export interface TrainOptions {
  model: ModelRef;
  data: DataSettings;
  phases: Phase[];
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  threads: number;
  device?: Device;
  runPasses: number;
  runBatch: number;
  progress: boolean;
  energy: EnergySettings;
  checkpointDir?: string;
  resume?: boolean;
}

/** A run record, with the parameter count on top for scripts. */
export type TrainReport = RunRecord & { params: number };

export async function runTrain(options: TrainOptions): Promise<TrainReport> {
  const record = await runExperiment(
    {
      id: 'train',
      model: options.model,
      phases: options.phases,
      epochs: options.epochs,
      batchSize: options.batchSize,
      lr: options.lr,
      seed: options.seed,
      repeat: 0,
      runPasses: options.runPasses,
      runBatch: options.runBatch,
      threads: options.threads,
      device: options.device,
    },
    {
      data: options.data,
      energy: options.energy,
      progress: options.progress,
      checkpointDir: options.checkpointDir,
      resume: options.resume,
    },
  );
  return { params: record.model.params, ...record };
}
