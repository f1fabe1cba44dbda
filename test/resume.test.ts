/**
 * Resuming checkpointed runs: the whole run's figures survive a resume, a damaged checkpoint or
 * progress file is set aside instead of blocking the run for good, and a sweep and the analyses
 * agree on what a complete record is. Library-level runs on the seeded random set, tiny models.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { phaseRuns, observe } from '../src/analysis/observations.js';
import type { EnergySettings } from '../src/energy/settings.js';
import { runExperiment, type RunOptions } from '../src/experiment/run.js';
import { loadRunRecords } from '../src/records/read-records.js';
import { checkRunRecord } from '../src/records/validate-record.js';
import { runFileStem, type RunConfig, type RunRecord } from '../src/records/run-record.js';
import { packageRoot } from '../src/version.js';
import { failure, trainDataDefaults } from './helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-resume-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const CLIPS = 12;
const config: RunConfig = {
  id: 'resume',
  model: { kind: 'family', config: { arch: 'mlp', layers: 1, width: 8 } },
  phases: ['train', 'run'],
  epochs: 2,
  batchSize: 4,
  lr: 1e-3,
  seed: 1,
  repeat: 0,
  runPasses: 2,
  runBatch: 1,
  threads: 1,
};
// The modelled CPU only: a figure on any machine, without sensors or an idle wait.
const energy: EnergySettings = { enabled: true, idleSeconds: 0, meter: { nvml: false, rapl: false, cpuModel: true } };

function options(checkpointDir: string, over: Partial<RunOptions> = {}): RunOptions {
  return {
    data: { ...trainDataDefaults, data: 'random', randomInputShape: [1, 8, 8], trainClips: CLIPS, testClips: 4 },
    energy,
    progress: false,
    checkpointDir,
    resume: true,
    ...over,
  };
}

const checkpointOf = (dir: string) => path.join(dir, `${runFileStem('resume#r0')}.ckpt`);

/** Trains every epoch, then stops in the run phase (0 passes is refused there): the checkpoint and progress stay. */
async function trainThenStop(dir: string): Promise<void> {
  const e = await failure(() => runExperiment({ ...config, runPasses: 0 }, options(dir)));
  expect(e.code).toBe('E_USAGE');
  expect(fs.existsSync(`${checkpointOf(dir)}.progress.json`)).toBe(true);
}

describe('a resumed run', () => {
  it('that had finished its epochs keeps the whole run’s epochs and samples, and analyze its J/sample', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'finished-'));
    await trainThenStop(dir);
    const record = await runExperiment(config, options(dir));
    const train = record.phases.train!;
    expect(train.result.resumedAfterEpoch).toBe(2);
    expect(train.result.epochs).toBe(2);
    expect(train.result.samples).toBe(2 * CLIPS);
    expect(train.result.steps).toBe(2 * Math.ceil(CLIPS / config.batchSize));
    expect(train.result.session).toEqual(expect.objectContaining({ epochs: 0, samples: 0, steps: 0 }));
    const observed = phaseRuns(record).find((p) => p.phase === 'train')!;
    expect(observed.samples).toBe(2 * CLIPS);
    const o = observe(observed, { basis: 'gross', device: 'all', kind: 'modelled' });
    expect(o.energy.reason).toBeUndefined();
    expect(o.energyPerSampleJ).not.toBeNull();
    // The checkpoint is gone once the record is made.
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('resumed mid-training counts each epoch once', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'middle-'));
    await trainThenStop(dir);
    const record = await runExperiment({ ...config, epochs: 3 }, options(dir));
    const r = record.phases.train!.result;
    // The progress was for 2 of 2 epochs; asked for 3, the run trains one more.
    expect([r.resumedAfterEpoch, r.epochs, r.samples, r.session!.epochs, r.session!.samples]).toEqual([2, 3, 3 * CLIPS, 1, CLIPS]);
    expect(r.allEpochLoss).toHaveLength(3);
  });
});

describe('a damaged checkpoint or progress file', () => {
  const damage: Array<[string, (dir: string) => string]> = [
    [
      'a truncated progress.json',
      (dir) => {
        const file = `${checkpointOf(dir)}.progress.json`;
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 50));
        return file;
      },
    ],
    [
      'a progress.json of the wrong shape',
      (dir) => {
        const file = `${checkpointOf(dir)}.progress.json`;
        fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), epochLoss: 'x' }));
        return file;
      },
    ],
    [
      'a checkpoint with flipped bytes',
      (dir) => {
        const file = checkpointOf(dir);
        const bytes = fs.readFileSync(file);
        for (let i = bytes.length - 40; i < bytes.length; ++i) bytes[i] ^= 0xff;
        fs.writeFileSync(file, bytes);
        return file;
      },
    ],
  ];
  for (const [name, spoil] of damage) {
    it(`${name}: moved aside, said naming the file, and the run starts again`, async () => {
      const dir = fs.mkdtempSync(path.join(root, 'damaged-'));
      await trainThenStop(dir);
      const bad = spoil(dir);
      const said: string[] = [];
      const record = await runExperiment(config, options(dir, { onProblem: (line) => said.push(line) }));
      expect(said).toHaveLength(1);
      expect(said[0]).toContain(bad);
      expect(said[0]).toContain('the run starts again from its first epoch');
      const r = record.phases.train!.result;
      expect([r.resumedAfterEpoch, r.epochs, r.samples]).toEqual([0, 2, 2 * CLIPS]);
      // Kept to be looked at, never deleted.
      const aside = fs.readdirSync(dir).filter((f) => f.includes('.corrupt-'));
      expect(aside.length).toBeGreaterThanOrEqual(1);
      expect(aside.some((f) => f.startsWith(path.basename(bad)))).toBe(true);
    });
  }

  it('through the CLI: train --resume goes on, and says so on stderr', () => {
    const cli = path.join(packageRoot, 'dist', 'cli.js');
    const dir = fs.mkdtempSync(path.join(root, 'cli-'));
    const ckpt = path.join(dir, 'ckpt');
    const args = ['train', '--data', 'random', '--input', '1,8,8', '--clips', '8', '--test-clips', '4', '--arch', 'mlp', '--layers', '1'];
    const common = [...args, '--width', '8', '--epochs', '1', '--no-energy', '--idle', '0', '--checkpoint', ckpt];
    // An interrupted run leaves a checkpoint and its progress; spoil the progress as a crash of a disk would.
    fs.mkdirSync(ckpt);
    const progress = path.join(ckpt, 'train_r0.ckpt.progress.json');
    fs.writeFileSync(progress, '{"key": "train#r0", "spec": "{\\"input');
    const r = spawnSync(process.execPath, [cli, ...common, '--resume'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(progress);
    expect(r.stderr).toMatch(/not JSON|unreadable/);
    expect(fs.readdirSync(ckpt).some((f) => f.startsWith('train_r0.ckpt.progress.json.corrupt-'))).toBe(true);
  });
});

describe('one rule for a complete record', () => {
  it('a stripped record is redone by a resumed sweep and rejected by analyze, for the same reason', () => {
    const cli = path.join(packageRoot, 'dist', 'cli.js');
    const dir = fs.mkdtempSync(path.join(root, 'stripped-'));
    const grid = path.join(dir, 'grid.json');
    fs.writeFileSync(grid, JSON.stringify([{ arch: 'mlp', layers: 1, width: 8 }]));
    const out = path.join(dir, 'results');
    const args = ['sweep', '--grid', grid, '--data', 'random', '--input', '1,8,8', '--clips', '8', '--test-clips', '4', '--epochs', '1'];
    const sweep = (...more: string[]) =>
      spawnSync(process.execPath, [cli, ...args, '--cooldown', '0', '--idle', '0', '--no-energy', '--out', out, ...more], {
        encoding: 'utf8',
        timeout: 120_000,
      });
    expect(sweep().status).toBe(0);
    const file = path.join(out, 'runs', 'grid_1_r0.json');
    const full = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord & { sweep: unknown };
    fs.writeFileSync(file, JSON.stringify({ key: full.key, sweep: full.sweep, format: full.format, version: full.version }));

    const checked = checkRunRecord(JSON.parse(fs.readFileSync(file, 'utf8')));
    expect(checked.ok ? 'accepted' : checked.reason).toBe('config must be an object, got nothing');
    // analyze: rejected, with the field at fault.
    const analyzed = spawnSync(process.execPath, [cli, 'analyze', out], { encoding: 'utf8', timeout: 120_000 });
    expect(analyzed.status).not.toBe(0);
    expect(analyzed.stderr).toMatch(/E_DATA: no run records found/);
    expect(analyzed.stderr).toContain(`${file}: config must be an object, got nothing`);
    // sweep --resume: not finished, so moved aside and redone (it used to be kept as finished).
    const resumed = sweep('--resume');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(
      /runs\/grid_1_r0.json: config must be an object, got nothing; moved to runs\/grid_1_r0.json.corrupt-.* and the run is redone/,
    );
    expect(resumed.stdout).toContain('1 run(s) ran, 0 finished earlier and kept');
    expect(loadRunRecords(out).records.map((r) => r.key)).toEqual([full.key]);
  });
});
