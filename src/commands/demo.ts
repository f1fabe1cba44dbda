/** `sedjoule demo`: its options and the text of its summary (src/experiment/demo.ts). */
import type { Argv } from 'yargs';

import type { DemoSummary } from '../experiment/demo.js';
import { sig } from '../format/significant.js';
import { withEnergyOptions, type EnergyArgs } from './energy-options.js';

export function withDemoOptions<T>(y: Argv<T>) {
  return withEnergyOptions(y)
    .option('out', { type: 'string', default: 'sedjoule-demo', describe: 'Folder for the report, the analysis and the sweep (resumed when it holds this demo\'s sweep)' })
    .option('cache', { type: 'string', describe: 'Cache folder for the synthetic set and its features (default: SEDJOULE_CACHE or ~/.cache/sedjoule)' })
    .option('clips', { type: 'number', default: 160, describe: 'Synthetic training clips (fewer: quicker, noisier)' })
    .option('test-clips', { type: 'number', default: 40, describe: 'Synthetic test clips' })
    .option('epochs', { type: 'number', default: 2, describe: 'Training epochs per run' })
    .option('idle', { type: 'number', default: 1, describe: 'Seconds of idle baseline before each run (0: none, so gross energy only)' })
    .option('threads', { type: 'number', default: 0, describe: 'Kernel threads (0: SEDJOULE_THREADS or all hardware threads)' });
}

export type DemoArgs = EnergyArgs & { out: string; cache?: string; clips: number; 'test-clips': number; epochs: number; threads: number };

export function printDemo(s: DemoSummary): string {
  const e = s.energy;
  const lines = [
    `sedjoule demo: ${s.settings.configurations} configurations (${s.settings.families.join(', ')}; fixed variant) on ${s.settings.clips} + ${s.settings.testClips} synthetic clips (${s.settings.frontend} front end, 1 x 128 x 64), ${s.settings.epochs} epochs, phases ${s.settings.phases.join(', ')}`,
    `sweep ${s.sweep.id}: ${s.sweep.done} of ${s.sweep.runs} runs done (${s.sweep.ranNow} ran now, ${s.sweep.keptFromBefore} kept from before)${s.sweep.failed ? `, ${s.sweep.failed} failed: run the demo again to retry them` : ''}; ${s.seconds.toFixed(0)} s`,
    `energy: ${e.kind === 'modelled' ? 'MODELLED (no RAPL or NVML readable here: CPU time x TDP), ' : ''}${e.basis}, ${e.methods.join(' + ') || 'no source'} (${e.sources.join(', ') || 'none'})`,
    `energy vs counted FLOPs, all families (log-log slope): ${s.slopes.map((x) => `${x.phase} ${x.slope === null ? `- (${x.reason})` : `${sig(x.slope)} (R² ${sig(x.r2)}, n ${x.n})`}`).join('; ')}`,
  ];
  if (s.missing) lines.push(`${s.missing} phase(s) without energy: listed in the report with the reason`);
  const empty = s.plots.filter((p) => p.empty);
  if (empty.length) lines.push(`${empty.length} of ${s.plots.length} plots have no data and say why (e.g. ${empty[0].id}: ${empty[0].empty})`);
  lines.push(`analysis: ${s.files.analysisText} (and .json); tables: ${s.files.runsCsv}, ${s.files.kernelsCsv}`);
  lines.push(`report: ${s.report}`);
  lines.push('open the report in a browser; `sedjoule report` and `sedjoule analyze` take the same folder');
  return lines.join('\n');
}
