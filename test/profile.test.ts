/**
 * sedjoule profile and sedjoule presets, run as a user runs them (node dist/cli.js, built by
 * `npm test` first), and the THOP comparison script whose figures docs/profiling.md quotes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { packageRoot } from '../src/version.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');

function run(file: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', timeout: 300_000, cwd: packageRoot, maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(file: string, ...args: string[]) {
  const r = run(file, ...args, '--json');
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

interface Row {
  layer: string;
  name: string;
  pass: string;
  shapes: string;
  macs: number;
  paddingMacs: number;
  flops: number;
  ms: number;
}

/** Taps of a 3x3, stride 1, padding 1 kernel that land inside an axis of `size`: the useful taps. */
const validTaps = (size: number) => 3 * size - 2;

/** Cout x Cin x kh x kw x Ho x Wo, read from a conv row's shapes: "x[..] w[Cout,Cin,kh,kw] ... -> y[N,Cout,Ho,Wo]". */
function nominalConvMacs(shapes: string): number {
  const dims = (name: string) => JSON.parse(shapes.match(new RegExp(`${name}(\\[[\\d,]+\\])`))![1]) as number[];
  const [, cin, kh, kw] = dims('w');
  return dims('y').reduce((a, b) => a * b, 1) * cin * kh * kw;
}

const sum = (rows: Row[], f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0);

describe('sedjoule profile', () => {
  it('counts a small CNN exactly: useful taps, padding, a first layer without input gradient, MACs per 10 s of consecutive windows', () => {
    const report = json(
      cli,
      'profile',
      '--arch',
      'cnn',
      '--layers',
      '2',
      '--width',
      '16',
      '--variant',
      'faithful',
      '--frontend',
      'toolbox',
    );
    expect(report.inputShape).toEqual([1, 128, 64]);
    expect(report.batch).toBe(1);
    // conv 1->16 (160) + conv 16->16 (2320) + linear 16*32*16 -> 10 (81930)
    expect(report.params).toBe(160 + 2320 + 81930);

    // Independent count: conv useful taps (valid rows x valid columns per output channel and input
    // channel) on 128 x 64, then on 64 x 32 after the pool, and the classifier.
    const conv1 = 16 * 1 * validTaps(128) * validTaps(64);
    const conv2 = 16 * 16 * validTaps(64) * validTaps(32);
    const linear = 16 * 32 * 16 * 10;
    expect(report.forward.macs).toBe(conv1 + conv2 + linear);
    const nominal = 16 * 1 * 9 * 128 * 64 + 16 * 16 * 9 * 64 * 32;
    expect(report.forward.paddingMacs).toBe(nominal - conv1 - conv2);

    const rows: Row[] = report.kernels;
    const convForward = rows.filter((r) => r.name === 'conv2d' && r.pass === 'forward');
    expect(convForward).toHaveLength(2);
    for (const r of convForward) expect(r.macs + r.paddingMacs).toBe(nominalConvMacs(r.shapes));
    for (const r of rows)
      for (const f of [
        'layer',
        'name',
        'pass',
        'shapes',
        'calls',
        'macs',
        'flops',
        'transcendentals',
        'comparisons',
        'bytesRead',
        'bytesWritten',
        'paddingMacs',
        'ms',
      ])
        expect(r).toHaveProperty(f);

    // Backward is measured: the first conv computes no input gradient, so the ratio is below 2
    // and that layer's own ratio is exactly 1 (weight 2 MACs + bias adds = its forward).
    expect(rows.some((r) => r.layer === '0:conv2d' && r.pass === 'backward-input')).toBe(false);
    expect(report.backwardForwardRatio).toBeGreaterThan(1);
    expect(report.backwardForwardRatio).toBeLessThan(2);
    expect(report.layers.find((l: { layer: string }) => l.layer === '0:conv2d').ratio).toBeCloseTo(1, 12);
    const backwardRows = rows.filter((r) => r.pass.startsWith('backward'));
    expect(report.backward.flops).toBe(sum(backwardRows, (r) => r.flops));
    expect(report.backward.flops).toBe(
      report.backwardPasses.input.flops + report.backwardPasses.weight.flops + report.backwardPasses.bias.flops,
    );

    // The optimiser is reported apart: one square root per parameter, none of it in forward or
    // backward (and only the reported step's, not the warm-up's: the ledger is reset between them).
    expect(report.optimizer.transcendentals).toBe(report.params);
    expect(report.optimizer.flops).toBe(
      sum(
        rows.filter((r) => r.pass === 'optimizer'),
        (r) => r.flops,
      ),
    );
    expect(report.forward.flops + report.backward.flops + report.optimizer.flops).toBe(sum(rows, (r) => r.flops));

    // The toolbox input is 64 frames of hop 256 at 44.1 kHz: 0.3715 s, scaled to 10 s.
    expect(report.clip.windowed).toBe(true);
    expect(report.clip.audioSeconds).toBeCloseTo((64 * 256) / 44100, 12);
    expect(report.per10s.scale).toBeCloseTo(10 / ((64 * 256) / 44100), 9);
    expect(report.per10s.macs).toBe(Math.round((report.forward.macs * 10 * 44100) / (64 * 256)));
    expect(report.per10s.note).toMatch(/consecutive 64-frame windows/);

    // The warm-up step is timed apart; the reported step's kernel time is its ledger rows' sum, and
    // what is left of its wall time is outside the kernels.
    expect(report.warmUpMs).toBeGreaterThan(0);
    expect(report.kernelMs).toBeCloseTo(
      sum(rows, (r) => r.ms),
      9,
    );
    expect(report.outsideKernels.ms).toBeCloseTo(report.stepMs - report.kernelMs, 9);
    expect(report.outsideKernels.fraction).toBeCloseTo(report.outsideKernels.ms / report.stepMs, 12);
  });

  it('prints a per-kernel table and the totals', () => {
    const r = run(cli, 'profile', '--arch', 'mlp', '--layers', '1', '--width', '16', '--frontend', 'toolbox');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kernel\s+pass\s+calls\s+M MACs\s+M pad MACs\s+M FLOPs/);
    expect(r.stdout).toMatch(/^linear\s+backward-weight/m);
    expect(r.stdout).toMatch(/^adam\s+optimizer/m);
    expect(r.stdout).toMatch(/^backward \/ forward FLOPs: \d\.\d{3} \(counted from the kernels' cost formulas; the study assumed 2\)/m);
    expect(r.stdout).toMatch(/^layer\s+fwd MACs\s+fwd pad MACs\s+fwd FLOPs\s+bwd FLOPs\s+bwd\/fwd counted$/m);
    expect(r.stdout).toMatch(
      /^time: warm-up step \d+\.\d ms \(first touch, allocation, packing space\); measured step \d+\.\d ms = kernels \d+\.\d ms \(the ledger\) \+ -?\d+\.\d ms outside the kernels \(-?\d+\.\d %\)$/m,
    );
    expect(r.stdout).toMatch(/^per 10 s of audio: .*assuming the model is applied to consecutive 64-frame windows/m);
  });

  it('profiles dcase-crnn on its 10 s input: 1,112,420 parameters, nominal conv MACs = useful + padding', () => {
    const report = json(cli, 'profile', '--model', 'dcase-crnn');
    expect(report.params).toBe(1_112_420);
    expect(report.inputShape).toEqual([1, 128, 626]);
    expect(report.clip).toMatchObject({ frontend: 'dcase', frames: 626, clipFrames: 626, audioSeconds: 10, windowed: false });
    expect(report.per10s.macs).toBe(report.forward.macs);
    const rows: Row[] = report.kernels;
    const convForward = rows.filter((r) => r.name === 'conv2d' && r.pass === 'forward');
    expect(convForward).toHaveLength(7);
    for (const r of convForward) expect(r.macs + r.paddingMacs, r.shapes).toBe(nominalConvMacs(r.shapes));
    // The 7 convolutions' nominal MACs (THOP's count): out x Cin x 9.
    expect(sum(convForward, (r) => r.macs + r.paddingMacs)).toBe(701_927_424);
    expect(report.layers.find((l: { layer: string }) => l.layer === '1:conv2d').ratio).toBeCloseTo(1, 12);
    expect(report.backwardForwardRatio).toBeGreaterThan(1.9);
    expect(report.backwardForwardRatio).toBeLessThan(2);
    expect(rows.some((r) => r.name === 'gru' && r.pass === 'backward-weight')).toBe(true);

    // docs/models.md's row for it (pasted from scripts/models-table.mjs) states these counts.
    const m = (v: number) => (v / 1e6).toLocaleString('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
    const doc = fs.readFileSync(path.join(packageRoot, 'docs', 'models.md'), 'utf8');
    expect(doc).toContain(
      `| dcase-crnn | dcase-crnn | 1,112,420 | ${m(report.forward.macs)} | ${m(report.forward.paddingMacs)} | ${m(report.forward.flops)} | ${report.backwardForwardRatio.toFixed(3)} | ${m(report.per10s.macs)} |`,
    );
  });

  it('refuses an unknown named model with the list of what exists', () => {
    const r = run(cli, 'profile', '--model', 'paper43:44');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('E_USAGE: paper43:44: paper43 has configurations 1 to 43');
  });
});

describe('sedjoule presets', () => {
  it('lists the 43 paper configurations and dcase-crnn with parameter counts and front ends', () => {
    const report = json(cli, 'presets');
    const paper = report.presets.find((p: { name: string }) => p.name === 'paper43');
    expect(paper.entries).toHaveLength(43);
    expect(paper.entries.map((e: { id: string }) => e.id)).toEqual(Array.from({ length: 43 }, (_, i) => `paper43:${i + 1}`));
    expect(paper.entries[0]).toMatchObject({
      name: 'mlp 1x512 (faithful)',
      frontend: 'toolbox',
      inputShape: [1, 128, 64],
      params: 4_199_946,
    });
    expect(paper.entries[9].params).toBe(553_820_170);
    const dcase = report.presets.find((p: { name: string }) => p.name === 'dcase-crnn');
    expect(dcase.entries).toEqual([
      expect.objectContaining({ id: 'dcase-crnn', frontend: 'dcase', inputShape: [1, 128, 626], params: 1_112_420 }),
    ]);
    const text = run(cli, 'presets');
    expect(text.stdout).toMatch(/^paper43:43\s+crnn conv 2x1024 rnn 2x256 \(faithful\)\s+toolbox\s+1 x 128 x 64\s+10,830,346$/m);

    // docs/models.md carries the same counts (its table is pasted from scripts/models-table.mjs).
    const doc = fs.readFileSync(path.join(packageRoot, 'docs', 'models.md'), 'utf8');
    for (const e of [...paper.entries, ...dcase.entries]) {
      expect(doc, e.id).toContain(`| ${e.id} | ${e.name} | ${e.params.toLocaleString('en-US')} |`);
    }
  });
});

describe('scripts/thop-compare.mjs', () => {
  it("reproduces THOP's 930.902 M MACs for dcase-crnn, and docs/profiling.md states what it prints", () => {
    const report = json(path.join(packageRoot, 'scripts', 'thop-compare.mjs'));
    // thop 0.1.1's rules (AvgPool: one op per output) give the published figure: the residual is
    // inside the rounding of "930.902 M".
    expect(report.published).toBe(930_902_000);
    expect(Math.abs(report.thop.legacy.residual)).toBeLessThan(report.publishedRounding);
    expect(report.thop.legacy.total).toBe(930_901_932);
    // The current exact-window AvgPool rule adds one op per pooled input: sedjoule's avgpool FLOPs.
    const pool = report.types.find((t: { type: string }) => t.type === 'avgpool2d');
    expect(report.thop.current.total - report.thop.legacy.total).toBe(pool.forwardFlops);
    // Every conv layer: THOP's count is sedjoule's useful MACs plus the padding MACs.
    for (const l of report.layers.filter((x: { type: string }) => x.type === 'conv2d')) expect(l.thopLegacy).toBe(l.macs + l.paddingMacs);
    // The GRU: THOP's 3H(I+H) + 13H per step against sedjoule's useful MACs, which skip W_hh h at
    // each direction's first step (h = 0): 2 layers x 2 directions x 3H x H, and the 13H extras.
    const gru = report.layers.find((x: { type: string }) => x.type === 'gru');
    expect(gru.thopLegacy - gru.macs).toBe(2 * 2 * 3 * 128 * 128 + 13 * 128 * 156 * 2 * 2);
    expect(gru.deepspeedMacs).toBe(0);
    expect(report.sedjoule.forwardMacs + report.sedjoule.forwardPaddingMacs).toBeLessThan(report.thop.legacy.total);

    const doc = fs.readFileSync(path.join(packageRoot, 'docs', 'profiling.md'), 'utf8');
    const n = (v: number) => v.toLocaleString('en-US');
    for (const figure of [
      report.thop.legacy.total,
      report.thop.legacy.residual,
      report.thop.current.total,
      report.thop.current.residual,
      report.sedjoule.forwardMacs,
      report.sedjoule.forwardPaddingMacs,
      report.sedjoule.forwardFlops,
      report.sedjoule.backwardFlops,
      report.deepspeed.macs,
      report.deepspeed.forwardFlops,
    ]) {
      expect(doc, `docs/profiling.md should state ${n(figure)}`).toContain(n(figure));
    }
    expect(doc).toContain(report.sedjoule.ratio.toFixed(3));
  });
});
