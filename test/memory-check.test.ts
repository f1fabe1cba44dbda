/**
 * The memory check before allocation: a model or a data set that cannot fit is refused at once
 * with E_MEMORY and its sizes, from the command line and the library alike. The sizes used are
 * terabytes to petabytes, more than any machine that runs these tests, so no limit is faked.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { checkArrayMemory, memoryLimit, modelMemoryProblem, withMemorySizes } from '../src/experiment/memory-check.js';
import { runExperiment } from '../src/experiment/run.js';
import { runProfile } from '../src/experiment/profile.js';
import { packageRoot } from '../src/version.js';
import { failure, trainDataDefaults } from './helpers.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');
const sedjoule = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

// 10^6 units x 2 layers: 10^12 parameters, 4 TB each for weights, gradients and each Adam moment.
const HUGE_MLP = ['--arch', 'mlp', '--layers', '2', '--width', '1000000'];
const MODEL_SIZES =
  /E_MEMORY: .*needs at least [\d.]+ TiB \([\d,]+ bytes: parameters [\d.]+ TiB, gradients [\d.]+ TiB, optimiser state [\d.]+ TiB, activations .* for a batch of \d+\) but this process may use [\d.]+ GiB/;

describe('the memory check', () => {
  it('train refuses a model larger than memory before allocating, naming the sizes', () => {
    const r = sedjoule('train', ...HUGE_MLP, '--data', 'random', '--input', '1,8,8', '--no-energy');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(MODEL_SIZES);
    expect(r.stderr).toContain('train#r0 (mlp 2x1000000');
  });

  it('train refuses a random data set larger than memory (it used to die in "Invalid typed array length")', () => {
    const r = sedjoule(
      'train',
      '--arch',
      'mlp',
      '--layers',
      '1',
      '--width',
      '8',
      '--data',
      'random',
      '--input',
      '1,128,64',
      '--clips',
      '1e8',
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /E_MEMORY: the random data set needs at least [\d.]+ [TP]iB \([\d,]+ bytes: 100000000 \+ \d+ clips of \[1,128,64\] float32 inputs and 10 targets each\) but this process may use/,
    );
  });

  it('the library run and profile refuse it with the same message', async () => {
    const model = { kind: 'family' as const, config: { arch: 'mlp' as const, layers: 2, width: 1_000_000 } };
    const run = await failure(() =>
      runExperiment(
        {
          id: 'big',
          model,
          phases: ['train'],
          epochs: 1,
          batchSize: 4,
          lr: 1e-3,
          seed: 1,
          repeat: 0,
          runPasses: 1,
          runBatch: 1,
          threads: 1,
        },
        {
          data: { ...trainDataDefaults, data: 'random', randomInputShape: [1, 8, 8], trainClips: 4, testClips: 4 },
          energy: { enabled: false, idleSeconds: 0, meter: {} },
          progress: false,
        },
      ),
    );
    expect(run.code).toBe('E_MEMORY');
    expect(`E_MEMORY: ${run.message}`).toMatch(MODEL_SIZES);
    const profile = await failure(() => runProfile({ model, frontend: 'toolbox', classes: 10, seed: 1, threads: 1 }));
    expect(profile.code).toBe('E_MEMORY');
    expect(`E_MEMORY: ${profile.message}`).toMatch(MODEL_SIZES);
  });

  it('compares against the limit it names', async () => {
    const limit = { bytes: 1000, basis: 'a test limit' };
    const need = { bytes: 1001, parameterBytes: 400, gradientBytes: 400, optimizerStateBytes: 0, activationBytes: 201, batch: 1 };
    expect(modelMemoryProblem('m', need, limit)).toBe(
      'm needs at least 1001 B (1,001 bytes: parameters 400 B, gradients 400 B, optimiser state 0 B, activations 201 B for a batch of 1) but this process may use 1000 B (a test limit)',
    );
    expect(modelMemoryProblem('m', { ...need, bytes: 1000 }, limit)).toBeUndefined();
    expect(() => checkArrayMemory('arrays', 250, 'x', limit)).not.toThrow();
    expect((await failure(() => checkArrayMemory('arrays', 251, 'x', limit))).code).toBe('E_MEMORY');
    // A count past what a number holds exactly is refused, not wrapped.
    expect((await failure(() => checkArrayMemory('arrays', Infinity, 'x', limit))).code).toBe('E_MEMORY');
    // The addon's bare allocator failure (an Error with code E_MEMORY, as the binding throws it) gains the sizes.
    const bare = Object.assign(new Error('out of memory'), { code: 'E_MEMORY' });
    const named = withMemorySizes(bare, 'grid:1#r0 (mlp 1x8)', need, limit) as Error;
    expect(named.message).toBe(
      'grid:1#r0 (mlp 1x8) ran out of memory (out of memory): it needs at least 1001 B (1,001 bytes for a batch of 1) and this process may use 1000 B (a test limit)',
    );
    const other = Object.assign(new Error('bad shape'), { code: 'E_SHAPE' });
    expect(withMemorySizes(other, 'm', need, limit)).toBe(other);
    const real = memoryLimit();
    expect(real.bytes).toBeGreaterThan(0);
    expect(real.basis).toMatch(/physical memory|cgroup limit|memory available now/);
    // A plan (a sweep's checks) does not depend on what is free at the moment it is made.
    expect(memoryLimit({ availableNow: false }).basis).toMatch(
      /^80% of [\d.]+ GiB of (physical memory|memory allowed to this process \(cgroup limit\))$/,
    );
  });
});
