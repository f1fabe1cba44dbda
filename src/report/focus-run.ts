/**
 * The run the power trace and the kernel figures show: the one named with --trace-run (a run key,
 * or a configuration id meaning its first repeat), else the longest, whose trace has the most to
 * show and whose windows are least dominated by counter quantisation.
 */
import { SedjouleError } from '../errors.js';
import type { RunRecord } from '../records/run-record.js';

/** Wall time of a run: its record's start to finish, else the sum of its phases' times. */
export function runSeconds(record: RunRecord): number {
  const wall = (Date.parse(record.finishedAt) - Date.parse(record.startedAt)) / 1000;
  if (Number.isFinite(wall) && wall > 0) return wall;
  const { train, test, run } = record.phases;
  return (train?.result.seconds ?? 0) + (test?.result.seconds ?? 0) + (run?.result.seconds ?? 0);
}

export function focusRun(records: RunRecord[], key?: string): { record: RunRecord; chosenBy: string } {
  if (key !== undefined) {
    const byKey = records.find((r) => r.key === key);
    if (byKey) return { record: byKey, chosenBy: `Run ${byKey.key}, chosen with --trace-run` };
    const byConfig = records.filter((r) => r.config.id === key).sort((a, b) => a.config.repeat - b.config.repeat);
    if (byConfig.length)
      return { record: byConfig[0], chosenBy: `Run ${byConfig[0].key}, the first repeat of configuration ${key} (--trace-run)` };
    const keys = records.map((r) => r.key);
    throw new SedjouleError(
      'E_USAGE',
      `--trace-run ${key}: no run has that key or configuration id; runs: ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? `, ... (${keys.length} in all)` : ''}`,
    );
  }
  const longest = records.reduce((a, b) => (runSeconds(b) > runSeconds(a) ? b : a));
  return {
    record: longest,
    chosenBy: `Run ${longest.key}, the longest of the ${records.length} runs (${runSeconds(longest).toFixed(1)} s; --trace-run KEY shows another)`,
  };
}
