/**
 * ONNX models on the command line, as a user runs them: node dist/cli.js (built by `npm test`
 * first) on the committed fixtures of test/fixtures/onnx/ (scripts/make-onnx-fixtures.py): predict
 * on a .npy batch against PyTorch's outputs, profile's per-module view and op types, and a sweep
 * whose grid names an ONNX file. kernel-energy --onnx runs on the emulated CUDA backend
 * (test/cuda-emulated.test.ts). Also the .npy reader and writer, and the module rule of labels.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { gridConfigurations } from '../src/commands/grid-file.js';
import { encodeNpy, readNpy } from '../src/data/npy.js';
import { byModule, moduleOf, type LedgerRow } from '../src/ledger.js';
import { packageRoot } from '../src/version.js';
import { failure } from './helpers.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');
const fixtures = path.join(packageRoot, 'test', 'fixtures', 'onnx');
const tagger = path.join(fixtures, 'cnn_tagger_opset17.onnx');
const sidecar = JSON.parse(fs.readFileSync(path.join(fixtures, 'cnn_tagger.json'), 'utf8')) as {
  inputShape: number[];
  input: number[];
  output: number[];
  outputShape: number[];
};
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-cli-onnx-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function sedjoule(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(root, `${name}-`));
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('.npy files', () => {
  it('round-trips float32 arrays, with the data 64-byte aligned as numpy writes it', () => {
    const file = path.join(tempDir('npy'), 'a.npy');
    const data = Float32Array.from({ length: 24 }, (_, i) => i / 7 - 1);
    fs.writeFileSync(file, encodeNpy({ shape: [2, 3, 4], data }));
    const bytes = fs.readFileSync(file);
    expect(bytes.toString('latin1', 0, 6)).toBe('\x93NUMPY');
    expect((10 + bytes.readUInt16LE(8)) % 64).toBe(0);
    expect(bytes.toString('latin1', 10, 10 + bytes.readUInt16LE(8))).toMatch(
      /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3, 4\), \}\s*\n$/,
    );
    const back = readNpy(file);
    expect(back.shape).toEqual([2, 3, 4]);
    expect([...back.data]).toEqual([...data]);
    fs.writeFileSync(file, encodeNpy({ shape: [5], data: new Float32Array(5) }));
    expect(readNpy(file).shape).toEqual([5]);
  });

  it('refuses what it does not read, naming the file and the field', async () => {
    const dir = tempDir('npy-bad');
    const good = Buffer.from(encodeNpy({ shape: [2, 2], data: new Float32Array(4) }));
    const variant = (name: string, from: string, to: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, Buffer.from(good.toString('latin1').replace(from, to), 'latin1'));
      return file;
    };
    const f8 = variant('f8.npy', "'<f4'", "'<f8'");
    expect(await failure(() => readNpy(f8))).toMatchObject({ code: 'E_DATA', message: expect.stringContaining(`${f8}: 'descr' is '<f8'`) });
    const fortran = variant('fortran.npy', 'False', 'True ');
    expect((await failure(() => readNpy(fortran))).message).toContain(`${fortran}: 'fortran_order' is True`);
    const short = variant('short.npy', '(2, 2)', '(2, 3)');
    expect((await failure(() => readNpy(short))).message).toContain(
      `${short}: 'shape' (2, 3) needs 24 bytes of float32 data, the file holds 16`,
    );
    const text = path.join(dir, 'text.npy');
    fs.writeFileSync(text, 'not numpy at all');
    expect((await failure(() => readNpy(text))).message).toContain(`${text}: not a .npy file`);
    expect(await failure(() => readNpy(path.join(dir, 'absent.npy')))).toMatchObject({ code: 'E_IO' });
  });
});

describe('modules of ledger labels', () => {
  it("groups labels by their first parts, split at '/' and '.'", () => {
    expect(moduleOf('/features/conv0/Conv', 1)).toBe('/features');
    expect(moduleOf('/features/conv0/Conv', 2)).toBe('/features/conv0');
    expect(moduleOf('/features/conv0/Conv', 3)).toBe('/features/conv0/Conv');
    expect(moduleOf('/features/conv0/Conv', 9)).toBe('/features/conv0/Conv');
    expect(moduleOf('features.0.conv', 1)).toBe('features');
    expect(moduleOf('features.0.conv', 2)).toBe('features.0');
    expect(moduleOf('/blocks.1/Add', 2)).toBe('/blocks.1');
    expect(moduleOf('3:conv2d', 1)).toBe('3:conv2d');
    expect(moduleOf('loss', 1)).toBe('loss');
  });

  it('sums every count of the rows of a module', () => {
    const row = (layer: string, flops: number, ms: number): LedgerRow => ({
      layer,
      name: 'k',
      pass: 'forward',
      shapes: '',
      calls: 1,
      macs: flops / 2,
      flops,
      transcendentals: 0,
      comparisons: 0,
      bytesRead: 8,
      bytesWritten: 4,
      paddingMacs: 0,
      executedMacs: flops / 2,
      ms,
    });
    const rows = [row('/a/x/Conv', 10, 1), row('/a/y/Relu', 5, 2), row('/b/Gemm', 7, 3), row('/a/x/Conv', 1, 0.5), row('loss', 2, 0.1)];
    const modules = byModule(rows, 1);
    expect(modules.map((m) => [m.module, m.layers, m.calls, m.flops, m.bytesRead, m.ms])).toEqual([
      ['/a', ['/a/x/Conv', '/a/y/Relu'], 3, 16, 24, 3.5],
      ['/b', ['/b/Gemm'], 1, 7, 8, 3],
      ['loss', ['loss'], 1, 2, 8, 0.1],
    ]);
  });
});

describe('sedjoule predict --onnx', () => {
  const dir = tempDir('predict');
  const input = path.join(dir, 'x.npy');
  fs.writeFileSync(input, encodeNpy({ shape: sidecar.inputShape, data: Float32Array.from(sidecar.input) }));

  it("writes the model's outputs as PyTorch computes them (logits), in one pass or in chunks", () => {
    const out = path.join(dir, 'y.npy');
    const r = sedjoule('predict', '--onnx', tagger, '--input', input, '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ command: 'predict', device: 'cpu', passes: 1, output: { file: out, shape: sidecar.outputShape } });
    expect(report.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.kernels.flops).toBeGreaterThan(0);
    const y = readNpy(out);
    expect(y.shape).toEqual(sidecar.outputShape);
    y.data.forEach((v, i) =>
      expect(Math.abs(v - sidecar.output[i]), `output ${i}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(sidecar.output[i]))),
    );
    // Chunks of 3 samples (a pass of 3, then of 1) give the same bytes.
    const chunked = path.join(dir, 'y3.npy');
    const c = sedjoule('predict', '--onnx', tagger, '--input', input, '--out', chunked, '--batch', '3', '--json');
    expect(c.status, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).passes).toBe(2);
    expect(fs.readFileSync(chunked)).toEqual(fs.readFileSync(out));
    const text = sedjoule('predict', '--onnx', tagger, '--input', input, '--out', out);
    expect(text.stdout).toContain(`-> output ${out} [${sidecar.outputShape}]`);
  });

  it('refuses an input of the wrong shape or type, naming the file', () => {
    const wrong = path.join(dir, 'wrong.npy');
    fs.writeFileSync(wrong, encodeNpy({ shape: [2, 1, 16, 19], data: new Float32Array(2 * 16 * 19) }));
    const r = sedjoule('predict', '--onnx', tagger, '--input', wrong, '--out', path.join(dir, 'no.npy'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(wrong);
    expect(r.stderr).toMatch(/E_(ONNX|SHAPE)/);
    expect(r.stderr).toContain('19');
    expect(fs.existsSync(path.join(dir, 'no.npy'))).toBe(false);
    const flat = path.join(dir, 'flat.npy');
    fs.writeFileSync(flat, encodeNpy({ shape: [320], data: new Float32Array(320) }));
    expect(sedjoule('predict', '--onnx', tagger, '--input', flat, '--out', path.join(dir, 'no.npy')).stderr).toContain(
      `E_SHAPE: ${flat}: 'shape' is [320]`,
    );
    const missing = sedjoule('predict', '--input', input, '--out', path.join(dir, 'no.npy'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('onnx');
  });
});

describe('sedjoule profile --onnx --depth', () => {
  it("groups layers into modules whose sums are the layers' sums, and names each layer's ONNX ops", () => {
    const r = sedjoule('profile', '--onnx', tagger, '--depth', '1', '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const layers = report.layers as Array<{
      layer: string;
      ops?: string[];
      forward: { flops: number; macs: number };
      backward: { flops: number };
    }>;
    expect(layers.find((l) => l.layer !== 'loss' && l.ops?.includes('Conv'))).toBeDefined();
    expect(layers.filter((l) => l.layer !== 'loss').every((l) => Array.isArray(l.ops) && l.ops.length > 0)).toBe(true);
    expect(layers.find((l) => l.layer === 'loss')?.ops).toBeUndefined();
    expect(report.modules.depth).toBe(1);
    const modules = report.modules.rows as Array<{
      module: string;
      layers: string[];
      forward: Record<string, number>;
      backward: Record<string, number>;
    }>;
    // Every layer in exactly one module; per module and in all, the sums are the layers'.
    expect(modules.flatMap((m) => m.layers).sort()).toEqual(layers.map((l) => l.layer).sort());
    for (const m of modules) {
      const own = layers.filter((l) => m.layers.includes(l.layer));
      expect(m.forward.flops, m.module).toBe(sum(own.map((l) => l.forward.flops)));
      expect(m.forward.macs, m.module).toBe(sum(own.map((l) => l.forward.macs)));
      expect(m.backward.flops, m.module).toBe(sum(own.map((l) => l.backward.flops)));
    }
    expect(sum(modules.map((m) => m.forward.flops))).toBe(report.forward.flops);
    expect(sum(modules.map((m) => m.backward.flops))).toBe(report.backward.flops);
    const kernels = report.kernels.filter((k: { pass: string }) => k.pass !== 'optimizer');
    for (const column of ['calls', 'bytesRead', 'bytesWritten']) {
      expect(sum(modules.map((m) => m.forward[column] + m.backward[column])), column).toBe(
        sum(kernels.map((k: Record<string, number>) => k[column])),
      );
    }

    const text = sedjoule('profile', '--onnx', tagger, '--depth', '1');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^layer +onnx ops +fwd MACs/m);
    expect(text.stdout).toContain('modules at depth 1');
    expect(text.stdout).toMatch(/^module +layers +onnx ops +calls/m);
    const plain = JSON.parse(sedjoule('profile', '--onnx', tagger, '--json').stdout);
    expect(plain.modules).toBeUndefined();
    expect(sedjoule('profile', '--onnx', tagger, '--depth', '0').status).toBe(2);
  });
});

describe('sedjoule sweep with an ONNX grid entry', () => {
  it('runs it, records the file and its SHA-256, resumes, and refuses to resume on a changed file', () => {
    const dir = tempDir('sweep');
    fs.mkdirSync(path.join(dir, 'models'));
    const model = path.join(dir, 'models', 'tagger.onnx');
    fs.copyFileSync(tagger, model);
    const grid = path.join(dir, 'grid.json');
    fs.writeFileSync(grid, JSON.stringify([{ onnx: 'models/tagger.onnx' }, { arch: 'mlp', layers: 1, width: 4 }]));
    const out = path.join(dir, 'results');
    // The fixture takes 1 x 16 x 20 and gives 3 classes: the random set is made to match.
    const args = ['sweep', '--grid', grid, '--data', 'random', '--input', '1,16,20', '--classes', '3', '--clips', '8', '--test-clips', '4'];
    args.push('--epochs', '1', '--phases', 'train,test', '--cooldown', '0', '--idle', '0', '--out', out, '--json');
    const first = sedjoule(...args);
    expect(first.status, first.stderr).toBe(0);
    const recordFile = path.join(out, 'runs', 'grid_1_r0.json');
    const record = JSON.parse(fs.readFileSync(recordFile, 'utf8'));
    const sha256 = crypto.createHash('sha256').update(fs.readFileSync(tagger)).digest('hex');
    expect(record.config.model).toEqual({ kind: 'onnx', path: model, sha256 });
    expect(record.model.params).toBe(645);
    expect(record.phases.train.kernels.some((k: { name: string }) => k.name === 'conv2d')).toBe(true);

    // Resumed: the finished runs are kept; a missing record runs again.
    const kept = fs.statSync(recordFile).mtimeMs;
    fs.rmSync(path.join(out, 'runs', 'grid_2_r0.json'));
    const again = sedjoule(...args, '--resume');
    expect(again.status, again.stderr).toBe(0);
    expect(fs.statSync(recordFile).mtimeMs).toBe(kept);
    expect(fs.existsSync(path.join(out, 'runs', 'grid_2_r0.json'))).toBe(true);

    // Another file under the same name: other bytes, another sweep.
    fs.copyFileSync(path.join(fixtures, 'cnn_tagger_opset11.onnx'), model);
    const changed = sedjoule(...args.filter((a) => a !== '--json'), '--resume');
    expect(changed.status).toBe(2);
    expect(changed.stderr).toContain(`grid:1 onnx ${model} (sha256 `);
    expect(changed.stderr).toContain(`(sha256 ${sha256.slice(0, 12)}) on dcase in `);
  });

  it('refuses keys that do not apply to an ONNX entry and bad input shapes', async () => {
    const grid = (entries: unknown[]) => () => gridConfigurations(JSON.stringify(entries), path.join(fixtures, 'grid.json'));
    expect((await failure(grid([{ onnx: 'cnn_tagger_opset17.onnx', width: 8 }]))).message).toContain(
      `entry 1: "width" does not apply to an ONNX model (cnn_tagger_opset17.onnx)`,
    );
    expect((await failure(grid([{ onnx: 'cnn_tagger_opset17.onnx', 'input-shape': 'one' }]))).message).toContain('"input-shape"');
    expect((await failure(grid([{ onnx: 'absent.onnx' }]))).message).toContain(path.join(fixtures, 'absent.onnx'));
    const [c] = gridConfigurations(
      JSON.stringify([{ onnx: 'cnn_tagger_opset17.onnx', 'input-shape': [1, 16, 20] }]),
      path.join(fixtures, 'grid.json'),
    );
    expect(c.model).toMatchObject({ kind: 'onnx', path: tagger, inputShape: [1, 16, 20] });
  });
});
