/** `sedjoule demo`: the main job in one command (src/experiment/demo.ts). */
import type { Argv } from 'yargs';

import { defaultCacheRoot } from '../data/feature-cache.js';
import { runDemo, type DemoSummary } from '../experiment/demo.js';
import { sig } from '../format/significant.js';
import { withThreadsOption } from './options/compute.js';
import { withCacheOption } from './options/data.js';
import { energySettings, withEnergyOptions } from './options/energy.js';
import { numberOption } from './options/numbers.js';
import { defineCommand } from './command.js';
import { emit, showsProgress } from './options/output.js';

function demoOptions<T>(y: Argv<T>) {
  return withThreadsOption(withCacheOption(withEnergyOptions(y, 1)))
    .option('out', {
      type: 'string',
      requiresArg: true,
      default: 'sedjoule-demo',
      describe: "Folder for the report, the analysis and the sweep (resumed when it holds this demo's sweep)",
    })
    .option('clips', numberOption('clips', 'Synthetic training clips (fewer: quicker, noisier)', 160))
    .option('test-clips', numberOption('test-clips', 'Synthetic test clips', 40))
    .option('epochs', numberOption('epochs', 'Training epochs per run', 2))
    .group(['out', 'cache', 'clips', 'test-clips', 'epochs'], 'Demo:')
    .example('$0 demo', './sedjoule-demo: sweep, analysis, report')
    .example('$0 demo --out demo/ --epochs 3 --json', 'longer training, elsewhere, as JSON');
}

export const demoCommand = defineCommand({
  command: 'demo',
  describe:
    'The main job: a quick sweep of small MLP, CNN, GRU and CRNN models on the embedded synthetic set (train, test, run), analysed, and an HTML report with CSV tables in --out (default ./sedjoule-demo); resumes its own folder',
  builder: (y) => demoOptions(y),
  handler: async (argv) => {
    const summary = await runDemo({
      out: argv.out,
      cacheRoot: argv.cache ?? defaultCacheRoot(),
      clips: argv.clips,
      testClips: argv['test-clips'],
      epochs: argv.epochs,
      threads: argv.threads,
      energy: energySettings(argv),
      progress: showsProgress(argv),
    });
    emit('demo', argv, summary, () => printDemo(summary));
    if (summary.sweep.failed) process.exitCode = 1;
  },
});

function printDemo(s: DemoSummary): string {
  const e = s.energy;
  const lines = [
    `sedjoule demo: ${s.settings.configurations} configurations (${s.settings.families.join(', ')}; fixed variant) on ${s.settings.clips} + ${s.settings.testClips} synthetic clips (${s.settings.frontend} front end, 1 x 128 x 64), ${s.settings.epochs} epochs, phases ${s.settings.phases.join(', ')}`,
    `sweep ${s.sweep.id}: ${s.sweep.done} of ${s.sweep.runs} runs done (${s.sweep.ranNow} ran now, ${s.sweep.keptFromBefore} kept from before)${s.sweep.failed ? `, ${s.sweep.failed} failed: run the demo again to retry them` : ''}; ${s.seconds.toFixed(0)} s`,
    `energy: ${e.kind === 'modelled' ? 'MODELLED (no RAPL or NVML readable here: CPU time x TDP), ' : ''}${e.basis}, ${e.methods.join(' + ') || 'no source'} (${e.sources.join(', ') || 'none'})`,
    `energy vs counted FLOPs, all families (log-log slope): ${s.slopes.map((x) => `${x.phase} ${x.slope === null ? `- (${x.reason})` : `${sig(x.slope)} (R² ${sig(x.r2)}, n ${x.n})`}`).join('; ')}`,
  ];
  if (s.missing) lines.push(`${s.missing} phase(s) without energy: listed in the report with the reason`);
  const empty = s.plots.filter((p) => p.empty);
  if (empty.length)
    lines.push(`${empty.length} of ${s.plots.length} plots have no data and say why (e.g. ${empty[0].id}: ${empty[0].empty})`);
  lines.push(`analysis: ${s.files.analysisText} (and .json); tables: ${s.files.runsCsv}, ${s.files.kernelsCsv}`);
  lines.push(`report: ${s.report}`);
  lines.push('open the report in a browser; `sedjoule report` and `sedjoule analyze` take the same folder');
  return lines.join('\n');
}
