/**
 * `sedjoule demo`: the main job in one command. A quick sweep of the `demo` preset (three small
 * configurations of each family, fixed variant) on the embedded synthetic set with the toolbox
 * front end (the study's 1 x 128 x 64 input), 2 epochs on 160 + 40 clips, phases train, test and
 * run, no cool-down and a 1 s idle baseline per run; then the analysis and the report, all in one
 * folder:
 *
 *   <out>/report.html, runs.csv, kernels.csv   the report (src/report/)
 *   <out>/analysis.txt, analysis.json          what `sedjoule analyze <out>` prints
 *   <out>/sweep.json, runs/, checkpoints/      the sweep itself (`sedjoule sweep --preset demo`)
 *
 * Run again on the same folder, it resumes its own sweep (finished runs kept, an interrupted run
 * continued from its last epoch) and rewrites the report; a folder holding another sweep is
 * refused rather than mixed with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';

import type { AnalysisReport } from '../analysis/analyze.js';
import { SedjouleError } from '../errors.js';
import { sig } from '../format/significant.js';
import { PHASES, type Phase } from '../records/run-record.js';
import { manifestPath, readManifest, type SweepManifest } from '../records/sweep-manifest.js';
import { presetConfigurations, settingsDiff, type SweepDefinition } from '../experiment/sweep-plan.js';
import { planSweep, Sweep } from '../experiment/sweep.js';
import { buildReport, writeReport, type PlotSummary } from '../report/report.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { printAnalysis } from './analyze.js';
import { dataSettings } from './data-options.js';
import { energySettings, withEnergyOptions, type EnergyArgs } from './energy-options.js';
import { runInterruptible } from './sweep.js';

export const DEMO_PRESET = 'demo';
const DEMO_PHASES: Phase[] = ['train', 'test', 'run'];

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

export interface DemoSummary {
  command: 'demo';
  out: string;
  report: string;
  files: { html: string; runsCsv: string; kernelsCsv: string; analysisJson: string; analysisText: string; sweep: string };
  settings: { preset: string; configurations: number; families: string[]; frontend: string; clips: number; testClips: number; epochs: number; phases: Phase[]; idleS: number };
  sweep: { id: string; status: SweepManifest['status']; runs: number; done: number; failed: number; ranNow: number; keptFromBefore: number; resumed: boolean };
  configurations: Array<{ id: string; model: string; params: number; status: string }>;
  energy: AnalysisReport['energy'];
  /** Pooled log-log slope of energy on counted FLOPs per phase (null with the reason when there is no fit). */
  slopes: Array<{ phase: Phase; slope: number | null; r2: number | null; n: number; reason?: string }>;
  missing: number;
  plots: PlotSummary[];
  seconds: number;
}

function definitionOf(argv: DemoArgs, progress: boolean): SweepDefinition {
  return {
    configurations: presetConfigurations(DEMO_PRESET),
    protocol: { phases: DEMO_PHASES, repeat: 1, epochs: argv.epochs, batchSize: 8, lr: 1e-3, runPasses: 60, runBatch: 1, threads: argv.threads, seed: 1 },
    // The embedded synthetic set on the toolbox front end; the same checks as train's options.
    data: dataSettings(
      { 'skip-bad': false, channel: 'mix', frontend: 'toolbox', cache: argv.cache, clips: argv.clips, 'test-clips': argv['test-clips'], seed: 1, input: '1,128,64', classes: 10 },
      argv.threads,
      progress,
      'toolbox',
    ),
    energy: energySettings(argv),
  };
}

/**
 * Whether `out` holds this demo's sweep (then it is resumed). A folder holding another sweep (a
 * demo with other sizes, or anything else) is refused, naming the differences.
 */
function resumable(out: string, id: string, settings: Record<string, unknown>): boolean {
  const file = manifestPath(out);
  if (!fs.existsSync(file)) return false;
  const existing = readManifest(file);
  if (existing.id === id) return true;
  const differences = settingsDiff(settings, existing.settings, file);
  throw new SedjouleError(
    'E_USAGE',
    `${out} holds another sweep (${existing.id}${differences.length ? `; ${differences.join('; ')}` : ''}); the demo resumes only its own: choose another --out, or remove that folder`,
  );
}

function note(progress: boolean, line: string): void {
  if (progress) process.stderr.write(`${line}\n`);
}

export async function runDemo(argv: DemoArgs, progress: boolean): Promise<DemoSummary> {
  const start = performance.now();
  const out = path.resolve(argv.out);
  for (const [name, value] of [['epochs', argv.epochs]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new SedjouleError('E_USAGE', `--${name} must be a positive integer, got ${value}`);
  }
  const definition = definitionOf(argv, progress);
  note(progress, `demo: checking ${definition.configurations.length} configurations (${DEMO_PRESET} preset) before anything runs`);
  const plan = await planSweep(definition);
  const resume = resumable(out, plan.id, plan.settings);
  const sweep = Sweep.open(plan, { out, shard: null, resume, cooldownSeconds: 0, progress, source: { preset: DEMO_PRESET } });
  const todo = sweep.todo().length;
  note(progress, resume ? `demo: resuming in ${out}: ${plan.runs.length - todo} of ${plan.runs.length} runs finished earlier` : `demo: ${plan.runs.length} runs into ${out}`);
  const manifest = await runInterruptible(sweep, out, 'run sedjoule demo again with the same options to continue');
  if (manifest.counts.done === 0) throw new SedjouleError('E_DATA', `no run of the demo finished (see ${manifestPath(out)}): ${manifest.runs.map((r) => `${r.key}: ${r.error ?? r.status}`).join('; ')}`);

  note(progress, `demo: analysing ${manifest.counts.done} runs and writing the report`);
  const report = buildReport(out, { title: 'sedjoule demo report' });
  const files = writeReport(report, path.join(out, 'report.html'));
  const analysisJson = path.join(out, 'analysis.json');
  const analysisText = path.join(out, 'analysis.txt');
  writeJsonAtomic(analysisJson, report.analysis);
  writeFileAtomic(analysisText, `${printAnalysis(report.analysis)}\n`);

  const session = manifest.sessions[manifest.sessions.length - 1];
  const pooled = (phase: Phase) => report.analysis.groups.find((g) => g.family === 'all' && g.phase === phase)?.fits.find((f) => f.variable === 'flops')?.logLog;
  return {
    command: 'demo',
    out,
    report: files.html,
    files: { ...files, analysisJson, analysisText, sweep: manifestPath(out) },
    settings: {
      preset: DEMO_PRESET,
      configurations: definition.configurations.length,
      families: [...new Set(definition.configurations.map((c) => (c.model.kind === 'family' ? c.model.config.arch : c.model.kind)))],
      frontend: 'toolbox',
      clips: argv.clips,
      testClips: argv['test-clips'],
      epochs: argv.epochs,
      phases: DEMO_PHASES,
      idleS: argv.idle,
    },
    sweep: { id: manifest.id, status: manifest.status, runs: manifest.counts.runs, done: manifest.counts.done, failed: manifest.counts.failed, ranNow: session.ran, keptFromBefore: session.skipped, resumed: resume },
    configurations: manifest.runs.map((r) => ({ id: r.configuration, model: r.name, params: r.params, status: r.status })),
    energy: report.analysis.energy,
    slopes: PHASES.map((phase) => {
      const fit = pooled(phase);
      return { phase, slope: fit?.slope ?? null, r2: fit?.r2 ?? null, n: fit?.n ?? 0, ...(fit?.slope === null || !fit ? { reason: fit?.reason ?? 'no runs' } : {}) };
    }),
    missing: report.analysis.missing.length,
    plots: report.summary.plots,
    seconds: (performance.now() - start) / 1000,
  };
}

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
