/**
 * `sedjoule measure -- <command>` (src/measure/) run as users run it, on real child processes:
 * exit codes and signals passed through, SIGINT forwarded, a crashing command still recorded,
 * marker windows, the samples and windows files, and GPU windows against the fake NVML library
 * (test/fake/fake_nvml.c: the test double at the system boundary, standing in for the driver).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { carbonIntensityFor } from '../src/energy/carbon-intensity.js';
import { Meter } from '../src/energy/meter.js';
import { GpuAttribution } from '../src/measure/gpu-attribution.js';
import type { MeasureRecord } from '../src/measure/measure-command.js';
import { SAMPLE_COLUMNS } from '../src/measure/sample-stream.js';
import { WINDOW_COLUMNS } from '../src/measure/window-table.js';
import { parseCsv } from '../src/util/csv.js';
import { packageRoot } from '../src/version.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');
const fakeNvml = path.join(packageRoot, 'build', 'Release', 'libsedjoule_fake_nvml.so');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-measure-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let folders = 0;
const folder = () => path.join(root, `run-${++folders}`);
const QUICK = ['--idle', '0.2', '--no-rapl', '--no-nvml', '--no-progress'];

function measure(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out = folder();
  const r = spawnSync(process.execPath, [cli, 'measure', '--out', out, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  const recordFile = path.join(out, 'record.json');
  const record = fs.existsSync(recordFile) ? (JSON.parse(fs.readFileSync(recordFile, 'utf8')) as MeasureRecord) : undefined;
  return { ...r, out, record };
}

describe('the command and how it ends', () => {
  it("passes stdout through untouched and exits with the command's code, 0 or 3", () => {
    const ok = measure([...QUICK, '--', 'sh', '-c', 'echo hello; echo to-stderr >&2']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('hello\n');
    expect(ok.stderr).toContain('to-stderr');
    expect(ok.record!.child).toMatchObject({ how: 'exited', code: 0, exitCode: 0 });
    const three = measure([...QUICK, '--', 'sh', '-c', 'exit 3']);
    expect(three.status).toBe(3);
    expect(three.record!.child).toMatchObject({ how: 'exited', code: 3, exitCode: 3, description: 'exited with 3' });
  });

  it('exits 128 + the signal for a command ended by a signal, and still writes the whole record', () => {
    const interrupted = measure([...QUICK, '--', 'sh', '-c', 'kill -INT $$']);
    expect(interrupted.status).toBe(130);
    expect(interrupted.record!.child).toMatchObject({ how: 'signalled', signal: 'SIGINT', exitCode: 130 });
    const crashed = measure([...QUICK, '--', 'sh', '-c', 'kill -SEGV $$']);
    expect(crashed.status).toBe(139);
    expect(crashed.record!.child).toMatchObject({ how: 'signalled', signal: 'SIGSEGV', exitCode: 139 });
    expect(crashed.record!.energy.windows.map((w) => w.name)).toEqual(['run']);
    expect(fs.existsSync(path.join(crashed.out, 'windows.csv'))).toBe(true);
  });

  it('passes a SIGINT it receives on to the command and waits for it', async () => {
    const out = folder();
    const ready = path.join(root, 'ready'),
      got = path.join(root, 'got-sigint');
    // The command says it is ready, then waits; on SIGINT it writes a file and exits with 42.
    const script = `process.on('SIGINT', () => { require('fs').writeFileSync(${JSON.stringify(got)}, 'yes'); process.exit(42); });
      require('fs').writeFileSync(${JSON.stringify(ready)}, 'yes'); setTimeout(() => process.exit(1), 60000);`;
    const child = spawn(process.execPath, [cli, 'measure', '--out', out, ...QUICK, '--', process.execPath, '-e', script], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const status = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (!fs.existsSync(ready)) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGINT');
    expect(await status).toBe(42);
    expect(fs.readFileSync(got, 'utf8')).toBe('yes');
    const record = JSON.parse(fs.readFileSync(path.join(out, 'record.json'), 'utf8')) as MeasureRecord;
    expect(record.signals).toEqual([expect.objectContaining({ signal: 'SIGINT', forwarded: true })]);
    expect(record.child).toMatchObject({ how: 'exited', code: 42 });
  });

  it('refuses a command that does not exist before measuring anything', () => {
    const r = measure([...QUICK, '--', 'no-such-command-sedjoule']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("command not found: 'no-such-command-sedjoule'");
    expect(r.record).toBeUndefined();
    const none = measure([...QUICK]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('name the command to measure');
  });
});

describe('marker windows', () => {
  it('opens and closes the windows the command names, nested, and reports bad lines', () => {
    const lines = [
      'begin train',
      'begin epoch-1',
      'end epoch-1',
      'end train',
      'begin test',
      'end test',
      'hello there',
      'end nope',
      'begin run',
      'begin left-open',
    ];
    const script = lines.map((l) => `echo '${l}' > "$SEDJOULE_MARKERS"; sleep 0.05`).join('; ');
    const r = measure([...QUICK, '--', 'sh', '-c', script]);
    expect(r.status, r.stderr).toBe(0);
    const windows = r.record!.energy.windows.map((w) => [w.name, w.parent]);
    expect(windows).toEqual([
      ['epoch-1', 'train'],
      ['train', 'run'],
      ['test', 'run'],
      ['left-open', 'run'],
      ['run', null],
    ]);
    expect(r.record!.markers.closedAtExit).toEqual(['left-open']);
    expect(r.record!.markers.problems.map((p) => p.problem)).toEqual([
      "'hello there' is not 'begin NAME' or 'end NAME'",
      "no open window named 'nope'",
      "'run' is the window of the whole command",
    ]);
  });
});

describe('the files in --out', () => {
  it('samples.csv holds every sample of the record, windows.csv a row per window and source and a total', () => {
    const r = measure([...QUICK, '--', 'sh', '-c', 'sleep 0.5']);
    expect(r.status, r.stderr).toBe(0);
    const samples = parseCsv(fs.readFileSync(path.join(r.out, 'samples.csv'), 'utf8'), 'samples.csv');
    expect(samples.header).toEqual([...SAMPLE_COLUMNS]);
    const trace = r.record!.energy.trace.sources;
    // The file began at the run, the record's trace is the whole ring (idle included): the file's
    // samples are the trace's from the file's first time on.
    for (const source of trace) {
      const rows = samples.rows.filter((row) => row.fields[1] === source.id);
      const first = Number(rows[0].fields[0]);
      expect(rows.map((row) => Number(row.fields[0]))).toEqual(source.timeS.filter((t) => t >= first));
    }
    const windows = parseCsv(fs.readFileSync(path.join(r.out, 'windows.csv'), 'utf8'), 'windows.csv');
    expect(windows.header).toEqual([...WINDOW_COLUMNS]);
    const run = r.record!.energy.windows[0];
    expect(windows.rows.map((row) => row.fields[5])).toEqual([...run.sources.map((s) => s.id), 'total']);
    expect(Number(windows.rows.at(-1)!.fields[9])).toBeCloseTo(run.total.joules!, 9);
  });

  it('--samples jsonl writes one JSON object per sample', () => {
    const r = measure([...QUICK, '--samples', 'jsonl', '--', 'sh', '-c', 'sleep 0.3']);
    expect(r.status, r.stderr).toBe(0);
    const lines = fs.readFileSync(path.join(r.out, 'samples.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(Object.keys(JSON.parse(line))).toEqual([...SAMPLE_COLUMNS]);
  });
});

describe("the modelled CPU charges the command's process tree", () => {
  // 80 W over 2 cores: 40 J per busy core-second.
  const MODEL = ['--idle', '0.2', '--no-rapl', '--no-nvml', '--no-progress', '--cpu-tdp', '80', '--cpu-cores', '2'];
  const modelled = (record: MeasureRecord) =>
    record.energy.windows.find((w) => w.name === 'run')!.sources.find((s) => s.id === 'cpu-model')!;

  it('a busy child and its busy grandchild: joules as their CPU seconds x 40 W', () => {
    // Each process spins for about 0.8 s and prints the CPU seconds it used (process.cpuUsage).
    const spin = `const t = Date.now(); while (Date.now() - t < 800); const u = process.cpuUsage(); console.log((u.user + u.system) / 1e6);`;
    const child = `${spin} require('child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(spin)}], { stdio: 'inherit' });`;
    const r = measure([...MODEL, '--', process.execPath, '-e', child]);
    expect(r.status, r.stderr).toBe(0);
    const seconds = r.stdout.trim().split('\n').map(Number);
    expect(seconds).toHaveLength(2);
    const cpu = seconds[0] + seconds[1];
    const source = modelled(r.record!);
    expect(r.record!.energy.meter.sources.find((s) => s.id === 'cpu-model')!.details.scope).toBe(`process tree of pid ${r.record!.pid}`);
    // The processes' own figures leave out their last moments (after the print) and the waiting
    // shell; clock ticks are 10 ms: within 15 %.
    expect(source.joules! / 40).toBeGreaterThan(cpu * 0.85);
    expect(source.joules! / 40).toBeLessThan(cpu * 1.15);
  });

  it("an idle command: about nothing, whatever sedjoule's own threads do", () => {
    const r = measure([...MODEL, '--', 'sleep', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(modelled(r.record!).joules!).toBeLessThan(0.05 * 40);
  });
});

describe('GPU energy', () => {
  it("gives the fake GPU's 100 W over the command's duration, within the stated uncertainty", () => {
    const r = measure(['--idle', '0.5', '--no-rapl', '--no-progress', '--', 'sleep', '1'], {
      SEDJOULE_NVML_LIB: fakeNvml,
      FAKE_NVML_POWER_W: '100',
      FAKE_NVML_COUNTER_PERIOD_MS: '10',
    });
    expect(r.status, r.stderr).toBe(0);
    const gpu = r.record!.energy.windows[0].sources.find((s) => s.device === 'gpu')!;
    expect(gpu.source).toBe('nvml-counter');
    expect(Math.abs(gpu.joules! - 100 * gpu.durationS)).toBeLessThanOrEqual(gpu.uncertainty!.joules);
    // The idle baseline drew the same 100 W: the command's net GPU energy is zero within its uncertainty.
    expect(Math.abs(gpu.net!.joules)).toBeLessThanOrEqual(gpu.net!.uncertaintyJ);
  });
});

describe('emissions.csv', () => {
  it("is CodeCarbon's file for the chosen layout: a row for the run and one per marker window, with the country's intensity", () => {
    const script = 'echo begin train > "$SEDJOULE_MARKERS"; sleep 0.3; echo end train > "$SEDJOULE_MARKERS"';
    const r = measure([...QUICK, '--country', 'FRA', '--codecarbon-layout', '2.1.4', '--', 'sh', '-c', script]);
    expect(r.status, r.stderr).toBe(0);
    const table = parseCsv(fs.readFileSync(path.join(r.out, 'emissions.csv'), 'utf8'), 'emissions.csv');
    const fixture = parseCsv(
      fs.readFileSync(path.join(packageRoot, 'test', 'fixtures', 'codecarbon', 'emissions-v2.1.4.csv'), 'utf8'),
      'fixture',
    );
    expect(table.header).toEqual(fixture.header);
    const rows = table.rows.map((row) => Object.fromEntries(table.header!.map((c, i) => [c, row.fields[i]])));
    expect(rows.map((row) => row.project_name)).toEqual(['sedjoule-measure', 'sedjoule-measure:train']);
    expect(new Set(rows.map((row) => row.run_id)).size).toBe(2);
    for (const row of rows) expect(row.run_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const run = r.record!.energy.windows.find((w) => w.name === 'run')!;
    const france = carbonIntensityFor({ country: 'FRA' });
    // Gross energy, as CodeCarbon's: kWh, and emissions in kg at France's intensity.
    expect(Number(rows[0].energy_consumed)).toBeCloseTo(run.total.joules! / 3.6e6, 12);
    expect(Number(rows[0].emissions)).toBeCloseTo((Number(rows[0].energy_consumed) * france.gPerKWh) / 1000, 15);
    expect(rows[0]).toMatchObject({ country_iso_code: 'FRA', country_name: france.countryName, on_cloud: 'N', gpu_energy: '' });
    expect(r.stderr).toContain(france.source);
  });
});

describe('which GPUs', () => {
  const TWO = { SEDJOULE_NVML_LIB: fakeNvml, FAKE_NVML_DEVICES: '2', FAKE_NVML_COUNTER_PERIOD_MS: '10' };
  const measured = (record: MeasureRecord) => record.energy.meter.sources.filter((s) => s.device === 'gpu').map((s) => s.details.uuid);
  const uuid = (i: number) => `GPU-fa4e0000-0000-0000-0000-00000000000${i}`;
  const GPU = ['--idle', '0.2', '--no-rapl', '--no-progress', '--', 'true'];

  it("measures the GPUs in the command's CUDA_VISIBLE_DEVICES (NVML ignores it), all without it, none when it is empty", () => {
    const one = measure(GPU, { ...TWO, CUDA_VISIBLE_DEVICES: uuid(1) });
    expect(one.status, one.stderr).toBe(0);
    expect(measured(one.record!)).toEqual([uuid(1)]);
    expect(one.record!.gpuSelection.gpus).toEqual([uuid(1)]);
    const all = measure(GPU, TWO);
    expect(measured(all.record!)).toEqual([uuid(0), uuid(1)]);
    const none = measure(GPU, { ...TWO, CUDA_VISIBLE_DEVICES: '' });
    expect(measured(none.record!)).toEqual([]);
    expect(none.record!.gpuSelection.note).toContain('sees no GPU');
  });

  it('--gpus wins, and an unknown GPU is refused naming it and the devices', () => {
    const given = measure(['--gpus', '0', ...GPU], { ...TWO, CUDA_VISIBLE_DEVICES: uuid(1) });
    expect(given.status, given.stderr).toBe(0);
    expect(measured(given.record!)).toEqual([uuid(0)]);
    const unknown = measure(['--gpus', '7', ...GPU], TWO);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('"7" matches no NVML device');
    expect(unknown.record).toBeUndefined();
  });

  it("attributes GPU memory and SM time to the command's processes, labelled attribution", async () => {
    const child = spawn('sleep', ['30']);
    const saved = { ...process.env };
    Object.assign(process.env, { FAKE_NVML_PROCESSES: `0:${child.pid}:1048576:40,0:1:999:99`, FAKE_NVML_DEVICES: '1' });
    const meter = Meter.start({ nvmlLibrary: fakeNvml, rapl: false, cpuModel: false });
    try {
      const attribution = new GpuAttribution(meter, child.pid!);
      attribution.read();
      attribution.read();
      const record = attribution.record();
      expect(record.kind).toBe('attribution');
      // pid 1 uses the GPU too, but it is not the command's: left out.
      expect(record.devices).toEqual([
        expect.objectContaining({
          processes: [{ pid: child.pid, peakMemoryBytes: 1048576, meanSmPercent: 40, smSamples: expect.any(Number) }],
        }),
      ]);
    } finally {
      meter.stop();
      child.kill();
      process.env = saved;
    }
  });
});
