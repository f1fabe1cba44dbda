/**
 * `sweep --emit-slurm FILE`: a Slurm job-array script for a sweep, written and not run. Task i of
 * N runs shard i/N of the sweep into its own folder, always with --resume: a task that is
 * requeued, preempted or resubmitted continues where it stopped, and a fresh folder simply starts.
 * The shards are merged afterwards with `sedjoule merge` (a comment in the script says how).
 */
export interface SlurmScriptOptions {
  /** The sweep's options, as command-line words, without --out, --shard and --resume. */
  args: string[];
  /** Absolute: the folder under which shard i writes shard-i, and into which they are merged. */
  out: string;
  /** Absolute: where the tasks start (the project whose sedjoule npx runs). */
  cwd: string;
  tasks: number;
  runs: number;
  sweepId: string;
  /** Kernel threads per run; 0: all the node's hardware threads. */
  threads: number;
}

/** A word for bash: as it is when it is safe, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function slurmScript(o: SlurmScriptOptions): string {
  const q = shellQuote;
  const shardOut = `${q(o.out)}/shard-\${SLURM_ARRAY_TASK_ID}`;
  const merge = `npx sedjoule merge ${q(o.out)} ${q(o.out)}/shard-*`;
  const perTask = Math.ceil(o.runs / o.tasks);
  return [
    '#!/bin/bash',
    `# Slurm job array for sedjoule sweep ${o.sweepId}: ${o.runs} runs in ${o.tasks} shards (up to ${perTask} runs each),`,
    `# one array task per shard. Written by \`sedjoule sweep --emit-slurm\` on ${new Date().toISOString()}; submit it with sbatch.`,
    '#',
    `# Task i runs shard i/${o.tasks} into ${o.out}/shard-i with --resume: a task that is requeued or`,
    '# resubmitted keeps its finished runs and continues its interrupted run from the last epoch checkpoint.',
    '#',
    '# Merge step, when every task has finished (runs still missing are listed; rerun their tasks):',
    `#   ${merge}`,
    '# or let Slurm start it when the whole array has succeeded:',
    `#   sbatch --dependency=afterok:<array job id> --wrap ${q(`cd ${q(o.cwd)} && ${merge}`)}`,
    '#',
    '# RAPL reads a whole CPU package and NVML a whole GPU: work of other jobs on the node would be',
    "# counted as this sweep's, hence --exclusive. Add what your cluster needs (partition, time, memory, GPUs).",
    `#SBATCH --job-name=sedjoule-${o.sweepId}`,
    `#SBATCH --array=1-${o.tasks}`,
    '#SBATCH --exclusive',
    ...(o.threads > 0 ? [`#SBATCH --cpus-per-task=${o.threads}`] : []),
    `#SBATCH --output=slurm-sedjoule-${o.sweepId}-%A_%a.out`,
    '##SBATCH --partition=...',
    '##SBATCH --time=24:00:00',
    '##SBATCH --gres=gpu:1',
    '',
    'set -euo pipefail',
    `cd ${q(o.cwd)}`,
    `npx sedjoule sweep ${o.args.map(q).join(' ')} --out ${shardOut} --shard \${SLURM_ARRAY_TASK_ID}/${o.tasks} --resume`,
    '',
  ].join('\n');
}
