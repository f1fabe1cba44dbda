/**
 * Sweeps, as a user runs them: node dist/cli.js sweep / merge (built by `npm test` first), on the
 * seeded random set with tiny models, no cool-down and no idle baseline, so each run takes a
 * fraction of a second.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';

import { CODECARBON_LAYOUTS } from '../src/analysis/codecarbon.js';
import { gridConfigurations } from '../src/commands/grid-file.js';
import { packageRoot } from '../src/version.js';
import { inShard, parseShard } from '../src/experiment/shard.js';
import { settingsDiff } from '../src/experiment/sweep-plan.js';
import { failure } from './helpers.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-sweep-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function sedjoule(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(root, `${name}-`));
}

function writeGrid(dir: string, entries: unknown[]): string {
  const file = path.join(dir, 'grid.json');
  fs.writeFileSync(file, JSON.stringify(entries));
  return file;
}

/** Tiny runs: random data of 1 x 32 x 16, one epoch, no waiting; `over` replaces or adds options. */
function fast(over: Record<string, string> = {}): string[] {
  const options = {
    data: 'random',
    input: '1,32,16',
    clips: '16',
    'test-clips': '8',
    epochs: '1',
    'run-passes': '2',
    cooldown: '0',
    idle: '0',
    ...over,
  };
  return Object.entries(options).flatMap(([k, v]) => [`--${k}`, v]);
}
const FAST = fast();

const GRID = [
  { arch: 'mlp', layers: 1, width: 8 },
  { arch: 'cnn', layers: 1, width: 4 },
  { arch: 'crnn', 'conv-layers': 1, 'rnn-layers': 1, 'conv-width': 4, 'rnn-width': 4, variant: 'faithful', frontend: 'toolbox' },
];

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const records = (out: string) =>
  fs
    .readdirSync(path.join(out, 'runs'))
    .filter((f) => f.endsWith('.json'))
    .sort();
const mtimes = (out: string) => Object.fromEntries(records(out).map((f) => [f, fs.statSync(path.join(out, 'runs', f)).mtimeMs]));

describe('sedjoule sweep', () => {
  it('writes one complete record per (configuration, repeat) and a manifest', () => {
    const dir = tempDir('grid');
    const grid = writeGrid(dir, GRID);
    const out = path.join(dir, 'results');
    const r = sedjoule('sweep', '--grid', grid, ...FAST, '--repeat', '2', '--phases', 'train,test,run', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const manifest = readJson(path.join(out, 'sweep.json'));
    expect(JSON.parse(r.stdout).id).toBe(manifest.id);
    expect(records(out)).toEqual([
      'grid_1_r0.json',
      'grid_1_r1.json',
      'grid_2_r0.json',
      'grid_2_r1.json',
      'grid_3_r0.json',
      'grid_3_r1.json',
    ]);
    // Repeat-major order: every configuration once, then again.
    expect(manifest.runs.map((x: { key: string }) => x.key)).toEqual([
      'grid:1#r0',
      'grid:2#r0',
      'grid:3#r0',
      'grid:1#r1',
      'grid:2#r1',
      'grid:3#r1',
    ]);
    expect(manifest.status).toBe('finished');
    expect(manifest.counts).toMatchObject({ runs: 6, inShard: 6, done: 6, failed: 0, pending: 0 });
    // CodeCarbon's emissions.csv beside the records: one row per phase of every run (6 runs x 3 phases).
    const emissions = fs.readFileSync(path.join(out, 'emissions.csv'), 'utf8').trim().split('\n');
    expect(emissions[0].split(',')).toEqual([...CODECARBON_LAYOUTS['2.8'].columns]);
    expect(emissions).toHaveLength(1 + 6 * 3);
    expect(manifest.settings).toMatchObject({ repeat: 2, epochs: 1, phases: 'train,test,run', data: 'random', input: '1,32,16' });
    expect(manifest.settings.configurations[2]).toMatchObject({
      id: 'grid:3',
      frontend: 'toolbox',
      model: { kind: 'family', config: { arch: 'crnn', variant: 'faithful', convWidth: 4 } },
    });
    expect(manifest.sessions[0].provenance.cpu.model).toBeTruthy();
    expect(manifest.data.random.info.inputShape).toEqual([1, 32, 16]);
    expect(fs.existsSync(path.join(out, 'checkpoints'))).toBe(true);

    for (const run of manifest.runs) {
      const record = readJson(path.join(out, run.record));
      expect(record.format).toBe('sedjoule-run');
      expect(record.key).toBe(run.key);
      expect(record.config.seed).toBe(1 + record.config.repeat);
      expect(record.sweep).toMatchObject({ id: manifest.id, shard: null, index: run.index, configuration: run.configuration });
      expect(record.model.params).toBe(run.params);
      expect(record.model.spec.layers.length).toBeGreaterThan(0);
      for (const phase of ['train', 'test', 'run']) {
        const p = record.phases[phase];
        expect(p.kernels.length).toBeGreaterThan(0);
        expect(p.totals.flops).toBeGreaterThan(0);
        expect(p.utilisation).toHaveProperty('gpuPct');
        expect(p.energy.sources.length).toBeGreaterThan(0);
        for (const s of p.energy.sources) expect(['nvml-counter', 'nvml-power-integrated', 'rapl', 'modelled']).toContain(s.source);
      }
      expect(record.phases.test.metrics).toHaveProperty('mAP');
      expect(record.phases.run.result.passes).toBe(2);
      expect(record.energy.windows.map((w: { name: string }) => w.name)).toEqual(['epoch-1', 'train', 'test', 'run']);
      expect(record.provenance.node).toBe(process.version);
      expect(record.provenance.git).toHaveProperty('commit');
    }
  });

  it('prepares the data once per front end and hands it to every run on that front end', () => {
    const dir = tempDir('frontends');
    const grid = writeGrid(dir, [
      { arch: 'cnn', layers: 1, width: 4, frontend: 'toolbox' },
      { arch: 'mlp', layers: 1, width: 4 },
      { arch: 'cnn', layers: 2, width: 4, frontend: 'toolbox' },
    ]);
    const out = path.join(dir, 'results');
    const r = sedjoule(
      'sweep',
      '--grid',
      grid,
      '--cache',
      path.join(dir, 'cache'),
      '--clips',
      '8',
      '--test-clips',
      '4',
      '--epochs',
      '1',
      '--phases',
      'train,test',
      '--cooldown',
      '0',
      '--idle',
      '0',
      '--no-energy',
      '--out',
      out,
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const manifest = JSON.parse(r.stdout);
    expect(Object.keys(manifest.data).sort()).toEqual(['dcase', 'toolbox']);
    expect(manifest.data.toolbox.info.inputShape).toEqual([1, 128, 64]);
    expect(manifest.data.dcase.info.inputShape).toEqual([1, 128, 626]);
    for (const key of ['dcase', 'toolbox']) {
      expect(manifest.data[key].features.reports.map((x: { computed: number }) => x.computed)).toEqual([8, 4]);
    }
    const shapes = manifest.runs.map((x: { record: string }) => readJson(path.join(out, x.record)));
    expect(shapes.map((x: { data: { inputShape: number[] } }) => x.data.inputShape[2])).toEqual([64, 626, 64]);
    // Runs handed prepared data have no features phase of their own: it is in the manifest, once.
    for (const record of shapes) expect(record.phases.features).toBeUndefined();
    expect(manifest.data.toolbox.preparedAt < shapes[2].startedAt).toBe(true);
  });

  it('refuses a folder holding a sweep without --resume, and --resume with other settings, naming them', () => {
    const dir = tempDir('claim');
    const grid = writeGrid(dir, GRID.slice(0, 2));
    const out = path.join(dir, 'results');
    const args = ['sweep', '--grid', grid, ...FAST, '--no-energy', '--out', out];
    expect(sedjoule(...args).status).toBe(0);
    const before = mtimes(out);

    const again = sedjoule(...args);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already holds sweep [0-9a-f]{12} \(2 of 2 runs done\); continue it with --resume/);
    const other = sedjoule(...args, '--resume', '--batch', '4', '--shard', '1/2');
    expect(other.status).toBe(2);
    expect(other.stderr).toContain('--resume: the settings differ from');
    expect(other.stderr).toContain('--batch: 4 here, 8 in');
    expect(other.stderr).toContain('--shard: 1/2 here, none in');
    const changedGrid = writeGrid(tempDir('claim-changed'), [GRID[0], { ...GRID[1], width: 5 }]);
    expect(sedjoule('sweep', '--grid', changedGrid, ...FAST, '--no-energy', '--out', out, '--resume').stderr).toMatch(
      /configurations: the 2nd is grid:2 cnn 1x5 \(fixed\) on dcase here, grid:2 cnn 1x4 \(fixed\) on dcase in/,
    );

    // Resuming a finished sweep runs nothing.
    const resumed = sedjoule(...args, '--resume');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('this session: 0 run(s) ran, 2 finished earlier and kept, 0 failed');
    expect(mtimes(out)).toEqual(before);

    // A corrupt record is moved aside, reported and redone; the others are kept untouched.
    fs.writeFileSync(path.join(out, 'runs', 'grid_2_r0.json'), '{"format": "sedjoule-run", "key": ');
    const redo = sedjoule(...args, '--resume');
    expect(redo.status, redo.stderr).toBe(0);
    expect(redo.stdout).toMatch(/note: runs\/grid_2_r0.json: not JSON: .*; moved to runs\/grid_2_r0.json.corrupt-.* and the run is redone/);
    expect(redo.stdout).toContain('this session: 1 run(s) ran, 1 finished earlier and kept');
    expect(readJson(path.join(out, 'runs', 'grid_2_r0.json')).key).toBe('grid:2#r0');
    expect(mtimes(out)['grid_1_r0.json']).toBe(before['grid_1_r0.json']);
    expect(fs.readdirSync(path.join(out, 'runs')).some((f) => f.startsWith('grid_2_r0.json.corrupt-'))).toBe(true);
    expect(readJson(path.join(out, 'sweep.json')).problems[0]).toContain('grid_2_r0.json');
  });

  it('resumes after kill -9: finished runs kept, the interrupted run continues from its last epoch', async () => {
    const dir = tempDir('kill');
    // Runs of about a second (three configurations of 5 epochs, one thread), so the kill lands
    // inside the second run after its first epoch checkpoint.
    const grid = writeGrid(dir, [
      { arch: 'cnn', layers: 2, width: 32 },
      { arch: 'cnn', layers: 2, width: 32 },
      { arch: 'cnn', layers: 2, width: 24 },
    ]);
    const out = path.join(dir, 'results');
    const args = [
      'sweep',
      '--grid',
      grid,
      '--data',
      'random',
      '--input',
      '1,128,64',
      '--clips',
      '48',
      '--test-clips',
      '8',
      '--epochs',
      '5',
      '--phases',
      'train,test',
      '--threads',
      '1',
      '--cooldown',
      '0',
      '--idle',
      '0',
      '--no-energy',
      '--out',
      out,
    ];
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const progress = path.join(out, 'checkpoints', 'grid_2_r0.ckpt.progress.json');
    const deadline = Date.now() + 120_000;
    // Wait for the first record and for the second run's first epoch checkpoint.
    while (!(fs.existsSync(path.join(out, 'runs', 'grid_1_r0.json')) && fs.existsSync(progress))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the sweep ended or stalled before the kill: ${stderr}`);
      await sleep(5);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe(null);
    expect(records(out)).toEqual(['grid_1_r0.json']);
    const first = fs.statSync(path.join(out, 'runs', 'grid_1_r0.json')).mtimeMs;
    const firstStart = readJson(path.join(out, 'runs', 'grid_1_r0.json')).startedAt;
    expect(readJson(path.join(out, 'sweep.json')).runs[1].status).toBe('running');
    const epochsDone = readJson(progress).epochsDone;
    expect(epochsDone).toBeGreaterThanOrEqual(1);

    const r = sedjoule(...args, '--resume', '--json');
    expect(r.status, r.stderr).toBe(0);
    const manifest = JSON.parse(r.stdout);
    expect(manifest.status).toBe('finished');
    expect(manifest.sessions.map((s: { ran: number; skipped: number; resumed: boolean }) => [s.ran, s.skipped, s.resumed])).toEqual([
      [1, 0, false],
      [2, 1, true],
    ]);
    expect(records(out)).toEqual(['grid_1_r0.json', 'grid_2_r0.json', 'grid_3_r0.json']);
    // The finished run was not redone.
    expect(fs.statSync(path.join(out, 'runs', 'grid_1_r0.json')).mtimeMs).toBe(first);
    expect(readJson(path.join(out, 'runs', 'grid_1_r0.json')).startedAt).toBe(firstStart);
    // The interrupted one continued after its checkpointed epochs, with their losses kept.
    const second = readJson(path.join(out, 'runs', 'grid_2_r0.json'));
    expect(second.phases.train.result.resumedAfterEpoch).toBeGreaterThanOrEqual(epochsDone);
    expect(second.phases.train.result.allEpochLoss).toHaveLength(5);
    expect(readJson(path.join(out, 'runs', 'grid_3_r0.json')).phases.train.result.resumedAfterEpoch).toBe(0);
    expect(fs.readdirSync(path.join(out, 'checkpoints'))).toEqual([]);
  });

  it('marks the manifest interrupted on Ctrl-C (SIGINT) and exits 130', async () => {
    const dir = tempDir('sigint');
    const grid = writeGrid(dir, GRID.slice(0, 2));
    const out = path.join(dir, 'results');
    // A long cool-down after the first run: the signal arrives while the sweep waits.
    const args = ['sweep', '--grid', grid, ...fast({ cooldown: '30' }), '--no-energy', '--out', out];
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(path.join(out, 'runs', 'grid_1_r0.json'))) {
      if (Date.now() > deadline) throw new Error('no record');
      await sleep(10);
    }
    await sleep(200);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const manifest = readJson(path.join(out, 'sweep.json'));
    expect(manifest.status).toBe('interrupted');
    expect(manifest.sessions[0].end).toBe('SIGINT');
    expect(manifest.runs.map((x: { status: string }) => x.status)).toEqual(['done', 'pending']);
  });

  it('splits runs over shards without overlap, and merges them back into the full sweep', () => {
    const dir = tempDir('shards');
    const grid = writeGrid(dir, GRID);
    const common = ['sweep', '--grid', grid, ...FAST, '--no-energy', '--repeat', '2', '--phases', 'train,test'];
    const one = sedjoule(...common, '--shard', '1/2', '--out', path.join(dir, 's1'), '--json');
    const two = sedjoule(...common, '--shard', '2/2', '--out', path.join(dir, 's2'), '--json');
    expect(one.status, one.stderr).toBe(0);
    expect(two.status, two.stderr).toBe(0);
    const m1 = JSON.parse(one.stdout),
      m2 = JSON.parse(two.stdout);
    expect(m1.id).toBe(m2.id);
    const done = (m: { runs: Array<{ key: string; status: string }> }) => m.runs.filter((x) => x.status === 'done').map((x) => x.key);
    // index % 2 == i - 1 over the full ordered list.
    expect(done(m1)).toEqual(['grid:1#r0', 'grid:3#r0', 'grid:2#r1']);
    expect(done(m2)).toEqual(['grid:2#r0', 'grid:1#r1', 'grid:3#r1']);
    expect(m1.runs.filter((x: { status: string }) => x.status === 'other-shard')).toHaveLength(3);
    expect(readJson(path.join(dir, 's1', 'runs', 'grid_1_r0.json')).sweep.shard).toEqual({ index: 1, count: 2 });

    // One shard alone: the missing runs are listed.
    const partial = sedjoule('merge', path.join(dir, 'partial'), path.join(dir, 's1'), '--json');
    expect(partial.status, partial.stderr).toBe(0);
    expect(JSON.parse(partial.stdout).missing).toEqual(['grid:2#r0', 'grid:1#r1', 'grid:3#r1']);

    const merged = path.join(dir, 'merged');
    const r = sedjoule('merge', merged, path.join(dir, 's1'), path.join(dir, 's2'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ id: m1.id, runs: 6, done: 6, copied: 6, duplicates: 0, missing: [] });
    expect(records(merged)).toHaveLength(6);
    const manifest = readJson(path.join(merged, 'sweep.json'));
    expect(manifest).toMatchObject({ id: m1.id, shard: null, status: 'finished' });
    expect(manifest.runs.every((x: { status: string }) => x.status === 'done')).toBe(true);
    expect(manifest.merged.map((x: { shard: unknown }) => x.shard)).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    expect(manifest.sessions).toHaveLength(2);
    // Merging again (identical duplicates) is fine; the merged folder resumes as the full sweep.
    const again = sedjoule('merge', merged, path.join(dir, 's1'), path.join(dir, 's2'), '--json');
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ copied: 0, duplicates: 6, missing: [] });
    const resumed = sedjoule(...common, '--out', merged, '--resume');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('0 run(s) ran, 6 finished earlier and kept');

    // Two different records of one run: refused, naming both files.
    const s3 = path.join(dir, 's3');
    fs.cpSync(path.join(dir, 's1'), s3, { recursive: true });
    const file = path.join(s3, 'runs', 'grid_1_r0.json');
    fs.writeFileSync(file, JSON.stringify({ ...readJson(file), finishedAt: '2000-01-01T00:00:00.000Z' }));
    const conflict = sedjoule('merge', path.join(dir, 'conflict'), path.join(dir, 's1'), s3);
    expect(conflict.status).toBe(1);
    expect(conflict.stderr).toContain(
      `conflicting records of run grid:1#r0: ${path.join(dir, 's1', 'runs', 'grid_1_r0.json')} and ${file} differ`,
    );

    // Another sweep's folder is refused.
    const otherGrid = writeGrid(tempDir('other'), GRID.slice(0, 1));
    const other = path.join(dir, 'other');
    expect(sedjoule('sweep', '--grid', otherGrid, ...FAST, '--no-energy', '--out', other).status).toBe(0);
    const mixed = sedjoule('merge', path.join(dir, 'mixed'), path.join(dir, 's1'), other);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toMatch(/holds another sweep .*\n\s+configurations: 1 here, 3 in/);
  });

  it('writes a Slurm job array whose tasks run the same sweep, one shard each', () => {
    const dir = tempDir('slurm');
    const grid = writeGrid(dir, GRID);
    const script = path.join(dir, 'sweep.sbatch');
    const out = path.join(dir, 'results');
    const r = sedjoule('sweep', '--grid', grid, ...FAST, '--no-energy', '--repeat', '2', '--out', out, '--emit-slurm', script, '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ runs: 6, tasks: 6 });
    expect(fs.existsSync(out)).toBe(false);
    const text = fs.readFileSync(script, 'utf8');
    expect(text).toMatch(/^#!\/bin\/bash/);
    expect(text).toContain('#SBATCH --array=1-6');
    expect(text).toContain(`--out ${out}/shard-\${SLURM_ARRAY_TASK_ID} --shard \${SLURM_ARRAY_TASK_ID}/6 --resume`);
    expect(text).toContain(`--grid ${grid}`);
    expect(text).toContain('--repeat 2');
    expect(text).toContain(`#   npx sedjoule merge ${out} ${out}/shard-*`);
    expect(
      sedjoule('sweep', '--grid', grid, ...FAST, '--out', out, '--emit-slurm', script, '--slurm-tasks', '2', '--json').stdout,
    ).toContain('"tasks": 2');
    expect(fs.readFileSync(script, 'utf8')).toContain('#SBATCH --array=1-2');

    // The task's command line means the same sweep: its dry run has the same id.
    const line = text.split('\n').find((l) => l.startsWith('npx sedjoule sweep '))!;
    const task = spawnSync('bash', ['-c', `${line.replace('npx sedjoule', `"${process.execPath}" "${cli}"`)} --dry-run --json`], {
      encoding: 'utf8',
      env: { ...process.env, SLURM_ARRAY_TASK_ID: '2' },
    });
    expect(task.status, task.stderr).toBe(0);
    const plan = JSON.parse(task.stdout);
    expect(plan.id).toBe(report.id);
    expect(plan.shard).toEqual({ index: 2, count: 6 });
    expect(plan.runs.filter((x: { status: string }) => x.status === 'pending').map((x: { key: string }) => x.key)).toEqual(['grid:2#r0']);
  });

  it('refuses bad options before anything runs, naming the entry', () => {
    const dir = tempDir('bad');
    const out = path.join(dir, 'results');
    // Usage errors exit 2; a configuration that cannot be built or cannot fit in memory, 1.
    const refuse = (entries: unknown[] | null, over: Record<string, string> = {}, status = 2) => {
      const args = entries ? ['--grid', writeGrid(dir, entries)] : [];
      const r = sedjoule('sweep', ...args, ...fast(over), '--out', out);
      expect(r.status, r.stderr).toBe(status);
      expect(fs.existsSync(out)).toBe(false);
      return r.stderr;
    };
    expect(refuse(null, { preset: 'paper44' })).toContain("E_USAGE: unknown preset 'paper44' (known: paper43, dcase-crnn, demo)");
    expect(refuse(null)).toContain('name the configurations with --preset NAME or --grid FILE');
    expect(refuse([GRID[0], { arch: 'cnn', widht: 8 }])).toMatch(
      /grid.json: entry 2: unknown key "widht" \(known: model, arch, variant, layers, width, conv-layers, rnn-layers, conv-width, rnn-width, onnx, input-shape, loss, frontend\)/,
    );
    expect(refuse([{ arch: 'cnn', width: -3 }])).toContain('entry 1: "width" must be an integer >= 1, got -3');
    expect(refuse([{ arch: 'cnn', layers: 1.5 }])).toContain('entry 1: "layers" must be an integer >= 1, got 1.5');
    expect(refuse([{ arch: 'cnn', layers: '2' }])).toContain('entry 1: "layers" must be a number, got "2"');
    expect(refuse([{ arch: 'gru' }])).toContain('entry 1: "arch" must be one of "mlp", "cnn", "rnn", "crnn", got "gru"');
    expect(refuse([{ arch: 'crnn', width: 8 }])).toContain(
      'entry 1: "width" does not apply to arch crnn, which uses arch, variant, conv-layers, rnn-layers, conv-width, rnn-width, frontend',
    );
    expect(refuse([{ model: 'dcase-crnn', layers: 2 }])).toContain('entry 1: "layers" does not apply to a named model (dcase-crnn)');
    expect(refuse([{ model: 'paper43:99' }])).toContain('entry 1: paper43:99: paper43 has configurations 1 to 43');
    expect(refuse([GRID[0], GRID[0], { arch: 'cnn', layers: 7, width: 8 }])).toMatch(
      /grid:3 \(entry 3 of grid.json: cnn 7x8 \(fixed\)\) on input \[1,32,16\]: E_USAGE: 7 pooling blocks do not fit an input of 32 x 16/,
    );
    expect(refuse([{ model: 'dcase-crnn' }], {}, 1)).toMatch(
      /grid:1 \(entry 1 of grid.json: dcase-crnn\) on input \[1,32,16\]: E_SHAPE: layers\[\d+\] \(avgpool2d\)/,
    );
    // 10^7 units: terabytes on a 128 x 64 input, more than any machine that runs these tests.
    const memory = refuse([GRID[1], { arch: 'mlp', layers: 1, width: 10_000_000 }], { input: '1,128,64' }, 1);
    expect(memory).toMatch(
      /E_MEMORY: grid:2 \(entry 2 of grid.json: mlp 1x10000000 \(fixed\)\) needs at least [\d.]+ TiB \([\d,]+ bytes: parameters .* for a batch of 8\) but this process may use [\d.]+ GiB \(80% of [\d.]+ GiB of/,
    );
    // Every faulty configuration is listed at once.
    expect(
      refuse(
        [
          { arch: 'cnn', layers: 9, width: 8 },
          { arch: 'mlp', layers: 1, width: 10_000_000 },
        ],
        { input: '1,128,64' },
      ),
    ).toMatch(/2 configurations cannot run:\n\s+grid:1 .*\n\s+grid:2 /);
    expect(refuse([GRID[0]], { shard: '3/2' })).toContain('--shard must be i/n with 1 <= i <= n');
    expect(refuse([GRID[0]], { repeat: '0' })).toContain("--repeat must be an integer >= 1, got '0'");
    expect(refuse([GRID[0]], { phases: 'train,fly' })).toContain("unknown phase 'fly'");
    expect(refuse([GRID[0]], { cooldown: '-1' })).toContain("--cooldown must be a number from 0 to 86400, got '-1'");
  });

  it('lists the runs of a dry run, with sizes, and writes nothing', () => {
    const dir = tempDir('dry');
    const out = path.join(dir, 'results');
    const r = sedjoule('sweep', '--preset', 'paper43', '--repeat', '3', '--out', out, '--dry-run', '--json');
    expect(r.status, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.status).toBe('planned');
    expect(plan.runs).toHaveLength(129);
    expect(plan.runs[0]).toMatchObject({ key: 'paper43:1#r0', frontend: 'toolbox', params: 4_199_946, seed: 1, status: 'pending' });
    expect(plan.runs[43]).toMatchObject({ key: 'paper43:1#r1', seed: 2 });
    expect(plan.settings).toMatchObject({ epochs: 10, batch: 8, lr: 0.001, 'run-passes': 60, repeat: 3 });
    expect(fs.existsSync(out)).toBe(false);
    const text = sedjoule('sweep', '--preset', 'dcase-crnn', '--dry-run');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/1\s+dcase-crnn#r0\s+dcase-crnn\s+dcase\s+1,112,420\s+[\d.]+ MiB\s+would run/);
    expect(text.stdout).toContain('dry run: 1 run(s) would run, 0 finished run(s) kept; nothing was run or written');
  });
});

describe('sweep building blocks', () => {
  it('reads grid entries with the command line defaults and front ends', () => {
    const [a, b, c] = gridConfigurations(
      JSON.stringify([{ arch: 'rnn' }, { model: 'paper43:7' }, { model: 'paper43:7', frontend: 'dcase' }]),
      'g.json',
    );
    expect(a).toMatchObject({
      id: 'grid:1',
      frontend: 'dcase',
      model: { kind: 'family', config: { arch: 'rnn', variant: 'fixed', layers: 2, width: 64 } },
    });
    expect(a.model.kind === 'family' && 'convWidth' in a.model.config).toBe(false);
    expect(b).toMatchObject({ id: 'grid:2', frontend: 'toolbox', name: 'mlp 6x4096 (faithful)' });
    expect(c.frontend).toBe('dcase');
    expect(gridConfigurations('[{"arch": "cnn"}]', 'g.json', 'toolbox')[0].frontend).toBe('toolbox');
  });

  it('shards by index modulo n', async () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    for (const bad of ['0/2', '3/2', '1', 'a/b', '1/0']) expect((await failure(() => parseShard(bad))).code).toBe('E_USAGE');
    const n = 5;
    const owners = Array.from({ length: 23 }, (_, i) => [1, 2, 3, 4, 5].filter((s) => inShard(i, { index: s, count: n })));
    expect(owners.every((o) => o.length === 1)).toBe(true);
    expect(owners.map((o) => o[0])).toEqual(Array.from({ length: 23 }, (_, i) => (i % n) + 1));
  });

  it('names the settings that differ', () => {
    expect(settingsDiff({ epochs: 2, seed: 1 }, { epochs: 1, seed: 1 }, 'x/sweep.json')).toEqual(['--epochs: 2 here, 1 in x/sweep.json']);
    expect(settingsDiff({ a: 1 }, { a: 1 }, 'f')).toEqual([]);
    // Found by test/fuzz-records.test.ts: a damaged manifest's configuration without a model used to throw a TypeError.
    const ours = { configurations: [{ id: 'grid:1', model: { kind: 'dcase-crnn' }, frontend: 'dcase' }] };
    expect(settingsDiff(ours, { configurations: [{ id: 'grid:1', frontend: 'dcase' }] }, 'x/sweep.json')).toEqual([
      'configurations: the 1st is grid:1 dcase-crnn on dcase here, grid:1 no model on dcase in x/sweep.json',
    ]);
  });
});
