import type { SweepManifest } from '../records/sweep-manifest.js';
import type { Sweep } from './sweep.js';

/**
 * Runs an opened sweep. Ctrl-C, or Slurm's SIGTERM at a time limit: the manifest says the sweep
 * was interrupted and the run in progress is pending again (its checkpoint stays), and the process
 * exits telling how to continue (`howToContinue`).
 */
export async function runInterruptible(sweep: Sweep, out: string, howToContinue: string): Promise<SweepManifest> {
  const stop = (signal: NodeJS.Signals) => {
    sweep.interrupt(signal);
    process.stderr.write(`\nsweep interrupted by ${signal}: finished runs are in ${out}; ${howToContinue}\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await sweep.run();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
