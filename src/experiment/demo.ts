/**
 * The demo, `sedjoule demo`: the main job in one command. A quick sweep of the `demo` preset (three small
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

import type { AnalysisReport } from '../analysis/analyze.js';
import type { EnergySettings } from '../energy/settings.js';
import { SedjouleError } from '../errors.js';
import { PHASES, type Phase } from '../records/run-record.js';
import { manifestPath, readManifest, type SweepManifest } from '../records/sweep-manifest.js';
import { analysisText } from '../report/analysis-text.js';
import { buildReport, writeReport, type PlotSummary } from '../report/report.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { runInterruptible } from './run-interruptible.js';
import { presetConfigurations, settingsDiff, type SweepDefinition } from './sweep-plan.js';
import { planSweep, Sweep } from './sweep.js';

const DEMO_PRESET = 'demo';
const DEMO_PHASES: Phase[] = ['train', 'test', 'run'];

export interface DemoOptions {
  /** The folder of the report, the analysis and the sweep; resumed when it holds this demo's sweep. */
  out: string;
  cacheRoot: string;
  clips: number;
  testClips: number;
  epochs: number;
  threads: number;
  energy: EnergySettings;
  progress: boolean;
}

export interface DemoSummary {
  out: string;
  report: string;
  files: { html: string; runsCsv: string; kernelsCsv: string; analysisJson: string; analysisText: string; sweep: string };
  settings: {
    preset: string;
    configurations: number;
    families: string[];
    frontend: string;
    clips: number;
    testClips: number;
    epochs: number;
    phases: Phase[];
    idleS: number;
  };
  sweep: {
    id: string;
    status: SweepManifest['status'];
    runs: number;
    done: number;
    failed: number;
    ranNow: number;
    keptFromBefore: number;
    resumed: boolean;
  };
  configurations: Array<{ id: string; model: string; params: number; status: string }>;
  energy: AnalysisReport['energy'];
  /** Pooled log-log slope of energy on counted FLOPs per phase (null with the reason when there is no fit). */
  slopes: Array<{ phase: Phase; slope: number | null; r2: number | null; n: number; reason?: string }>;
  missing: number;
  plots: PlotSummary[];
  seconds: number;
}

function definitionOf(o: DemoOptions): SweepDefinition {
  return {
    configurations: presetConfigurations(DEMO_PRESET),
    protocol: {
      phases: DEMO_PHASES,
      repeat: 1,
      epochs: o.epochs,
      batchSize: 8,
      lr: 1e-3,
      runPasses: 60,
      runBatch: 1,
      threads: o.threads,
      seed: 1,
    },
    // The embedded synthetic set on the toolbox front end (the random set's fields are unused).
    data: {
      skipBad: false,
      channel: 'mix',
      frontend: 'toolbox',
      cacheRoot: o.cacheRoot,
      trainClips: o.clips,
      testClips: o.testClips,
      seed: 1,
      randomInputShape: [1, 128, 64],
      randomClasses: 10,
      threads: o.threads,
      progress: o.progress,
    },
    energy: o.energy,
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

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const start = performance.now();
  const progress = o.progress;
  const out = path.resolve(o.out);
  const definition = definitionOf(o);
  note(progress, `demo: checking ${definition.configurations.length} configurations (${DEMO_PRESET} preset) before anything runs`);
  const plan = await planSweep(definition);
  const resume = resumable(out, plan.id, plan.settings);
  const sweep = Sweep.open(plan, { out, shard: null, resume, cooldownSeconds: 0, progress, source: { preset: DEMO_PRESET } });
  const todo = sweep.todo().length;
  note(
    progress,
    resume
      ? `demo: resuming in ${out}: ${plan.runs.length - todo} of ${plan.runs.length} runs finished earlier`
      : `demo: ${plan.runs.length} runs into ${out}`,
  );
  const manifest = await runInterruptible(sweep, out, 'run sedjoule demo again with the same options to continue');
  if (manifest.counts.done === 0)
    throw new SedjouleError(
      'E_DATA',
      `no run of the demo finished (see ${manifestPath(out)}): ${manifest.runs.map((r) => `${r.key}: ${r.error ?? r.status}`).join('; ')}`,
    );

  note(progress, `demo: analysing ${manifest.counts.done} runs and writing the report`);
  const report = buildReport(out, { title: 'sedjoule demo report' });
  const files = writeReport(report, path.join(out, 'report.html'));
  const analysisJson = path.join(out, 'analysis.json');
  const analysisTextFile = path.join(out, 'analysis.txt');
  writeJsonAtomic(analysisJson, report.analysis);
  writeFileAtomic(analysisTextFile, `${analysisText(report.analysis)}\n`);

  const session = manifest.sessions[manifest.sessions.length - 1];
  const pooled = (phase: Phase) =>
    report.analysis.groups.find((g) => g.family === 'all' && g.phase === phase)?.fits.find((f) => f.variable === 'flops')?.logLog;
  return {
    out,
    report: files.html,
    files: { ...files, analysisJson, analysisText: analysisTextFile, sweep: manifestPath(out) },
    settings: {
      preset: DEMO_PRESET,
      configurations: definition.configurations.length,
      families: [...new Set(definition.configurations.map((c) => (c.model.kind === 'family' ? c.model.config.arch : c.model.kind)))],
      frontend: 'toolbox',
      clips: o.clips,
      testClips: o.testClips,
      epochs: o.epochs,
      phases: DEMO_PHASES,
      idleS: o.energy.idleSeconds,
    },
    sweep: {
      id: manifest.id,
      status: manifest.status,
      runs: manifest.counts.runs,
      done: manifest.counts.done,
      failed: manifest.counts.failed,
      ranNow: session.ran,
      keptFromBefore: session.skipped,
      resumed: resume,
    },
    configurations: manifest.runs.map((r) => ({ id: r.configuration, model: r.name, params: r.params, status: r.status })),
    energy: report.analysis.energy,
    slopes: PHASES.map((phase) => {
      const fit = pooled(phase);
      return {
        phase,
        slope: fit?.slope ?? null,
        r2: fit?.r2 ?? null,
        n: fit?.n ?? 0,
        ...(fit?.slope === null || !fit ? { reason: fit?.reason ?? 'no runs' } : {}),
      };
    }),
    missing: report.analysis.missing.length,
    plots: report.summary.plots,
    seconds: (performance.now() - start) / 1000,
  };
}
