/**
 * Property-based fuzzing of what a results folder holds (fast-check): run records, sweep.json,
 * epoch checkpoints and their progress files, and grid files, each mutated from a real one made
 * here (bytes flipped or cut, or one field replaced by random JSON) or replaced by random JSON.
 *
 * Properties: nothing crashes (every error has a code); a resumed sweep either continues or stops
 * with a code naming the file; a resumed run either continues from a progress it validated or sets
 * the damaged files aside and starts again; analyze either reads a record or rejects it with a code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { analyzeRecords } from '../src/analysis/analyze.js';
import { gridConfigurations } from '../src/commands/grid-file.js';
import { errorCode } from '../src/errors.js';
import { resumeProgress } from '../src/experiment/resume-progress.js';
import { planSweep, Sweep, type SweepPlan } from '../src/experiment/sweep.js';
import { Network } from '../src/network.js';
import { loadRunRecords } from '../src/records/read-records.js';
import type { NetworkSpec } from '../src/spec.js';
import { fuzzOptions, fuzzTimeout } from './fuzz.js';
import { trainDataDefaults } from './helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-fuzz-records-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Runs `fn`; an error without a code fails the property (a crash), one with a code is an answer. */
async function answers(fn: () => unknown): Promise<'ok' | string> {
  try {
    await fn();
    return 'ok';
  } catch (error) {
    const code = errorCode(error);
    if (!code || !code.startsWith('E_')) throw error;
    return code;
  }
}

/** Every path into a JSON value (object keys and array indices), the root excluded. */
function pathsOf(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...at, k], ...pathsOf(v, [...at, k])]);
}

/** `value` with the field at `where` replaced by `by` (or removed, when `by` is undefined). */
function replaced(value: unknown, where: Array<string | number>, by: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const k of where.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = where[where.length - 1];
  if (by === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = by;
  return copy;
}

/** Damaged copies of a JSON file's text: bytes flipped, cut short, a field replaced or removed, or any JSON at all. */
function damagedJson(text: string): fc.Arbitrary<string | Uint8Array> {
  const value = JSON.parse(text) as unknown;
  const paths = pathsOf(value);
  const bytes = Buffer.from(text);
  return fc.oneof(
    fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
      const copy = Uint8Array.from(bytes);
      for (const [at, b] of flips) copy[at] = b;
      return copy;
    }),
    fc.nat(bytes.length - 1).map((n) => bytes.subarray(0, n)),
    fc
      .tuple(fc.constantFrom(...paths), fc.option(fc.jsonValue(), { nil: undefined }))
      .map(([where, by]) => JSON.stringify(replaced(value, where, by))),
    fc.jsonValue().map((v) => JSON.stringify(v)),
  );
}

const GRID = [{ arch: 'mlp', layers: 1, width: 8 }];
let plan: SweepPlan;
let folder: string;
const manifestText = () => fs.readFileSync(path.join(folder, 'sweep.json'), 'utf8');
const recordText = () => fs.readFileSync(path.join(folder, 'runs', 'grid_1_r0.json'), 'utf8');
let goodManifest: string;
let goodRecord: string;

/** A fresh copy of the real results folder with one file replaced. */
function folderWith(rel: string, content: string | Uint8Array): string {
  const copy = fs.mkdtempSync(path.join(root, 'case-'));
  fs.cpSync(folder, copy, { recursive: true });
  fs.writeFileSync(path.join(copy, rel), content);
  return copy;
}

const sweepOptions = (out: string) => ({
  out,
  shard: null,
  resume: true,
  cooldownSeconds: 0,
  progress: false,
  source: { grid: 'grid.json' },
});

beforeAll(async () => {
  plan = await planSweep({
    configurations: gridConfigurations(JSON.stringify(GRID), 'grid.json'),
    protocol: {
      phases: ['train', 'test', 'run'],
      repeat: 1,
      epochs: 1,
      batchSize: 4,
      lr: 1e-3,
      runPasses: 1,
      runBatch: 1,
      threads: 1,
      seed: 1,
    },
    data: { ...trainDataDefaults, data: 'random', randomInputShape: [1, 8, 8], trainClips: 8, testClips: 4 },
    energy: { enabled: true, idleSeconds: 0, meter: { nvml: false, rapl: false, cpuModel: true } },
  });
  folder = path.join(root, 'results');
  await Sweep.open(plan, { ...sweepOptions(folder), resume: false }).run();
  goodManifest = manifestText();
  goodRecord = recordText();
});

describe('fuzz: results folders', () => {
  it(
    'a damaged run record: a resumed sweep keeps it or redoes it, analyze reads it or rejects it with a code',
    async () => {
      await fc.assert(
        fc.asyncProperty(damagedJson(goodRecord), async (content) => {
          const out = folderWith('runs/grid_1_r0.json', content);
          const sweep = Sweep.open(plan, { ...sweepOptions(out), dryRun: true });
          const finished = sweep.todo().length === 0;
          // Not finished: listed as corrupt (with the file) or absent, and redone.
          for (const c of sweep.corruptRecords()) expect(c.file).toContain('grid_1_r0.json');
          let loaded: ReturnType<typeof loadRunRecords> | undefined;
          const read = await answers(() => (loaded = loadRunRecords(out)));
          expect(['ok', 'E_DATA']).toContain(read);
          // One rule: a record the sweep keeps as finished is one analyze reads.
          if (finished) expect(loaded?.records).toHaveLength(1);
          if (loaded) expect(await answers(() => analyzeRecords(loaded!.records, { resamples: 20 }))).toMatch(/^(ok|E_DATA|E_USAGE)$/);
          fs.rmSync(out, { recursive: true, force: true });
        }),
        fuzzOptions(),
      );
    },
    fuzzTimeout(200),
  );

  it(
    'a damaged sweep.json: a resumed sweep continues or stops with a code naming the file',
    async () => {
      await fc.assert(
        fc.asyncProperty(damagedJson(goodManifest), async (content) => {
          const out = folderWith('sweep.json', content);
          try {
            Sweep.open(plan, { ...sweepOptions(out), dryRun: true });
          } catch (error) {
            expect(errorCode(error)).toMatch(/^E_(IO|DATA|USAGE)$/);
            expect((error as Error).message).toContain(path.join(out, 'sweep.json'));
          }
          fs.rmSync(out, { recursive: true, force: true });
        }),
        fuzzOptions(),
      );
    },
    fuzzTimeout(100),
  );
});

const spec: NetworkSpec = {
  input: [1, 4, 4],
  layers: [{ type: 'flatten' }, { type: 'linear', out: 6 }, { type: 'relu' }, { type: 'linear', out: 3 }],
  loss: 'bce-logits',
  optimizer: { type: 'adam', lr: 0.01 },
  seed: 1,
};

describe('fuzz: checkpoints and their progress files', () => {
  let checkpoint: Uint8Array;
  let progress: string;
  beforeAll(async () => {
    const net = Network.create(spec, { threads: 1 });
    const file = path.join(root, 'good.ckpt');
    await net.saveCheckpoint(file);
    net.dispose();
    checkpoint = fs.readFileSync(file);
    progress = JSON.stringify({
      key: 'k',
      spec: JSON.stringify(spec),
      epochsDone: 1,
      epochLoss: [0.5],
      epochEnergy: [],
      ledger: [],
      seconds: 1,
      steps: 2,
      samples: 8,
    });
  });

  /** A checkpoint with bytes flipped or cut short. */
  const damagedCheckpoint = () =>
    fc.oneof(
      fc.array(fc.tuple(fc.nat(checkpoint.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
        const copy = Uint8Array.from(checkpoint);
        for (const [at, b] of flips) copy[at] = b;
        return copy;
      }),
      fc.nat(checkpoint.length - 1).map((n) => checkpoint.subarray(0, n)),
    );

  it(
    'a damaged progress file or checkpoint: the run resumes from what it validated, or sets both aside naming the file',
    async () => {
      const cases = fc.oneof(
        damagedCheckpoint().map((c) => ({ checkpoint: c as string | Uint8Array, progress: progress as string | Uint8Array })),
        damagedJson(progress).map((p) => ({ checkpoint: checkpoint as string | Uint8Array, progress: p })),
      );
      await fc.assert(
        fc.asyncProperty(cases, async (content) => {
          const dir = fs.mkdtempSync(path.join(root, 'ckpt-'));
          const files = { checkpoint: path.join(dir, 'run.ckpt'), progressFile: path.join(dir, 'run.ckpt.progress.json') };
          fs.writeFileSync(files.checkpoint, content.checkpoint);
          fs.writeFileSync(files.progressFile, content.progress);
          const said: string[] = [];
          const net = Network.create(spec, { threads: 1 });
          try {
            const found = await resumeProgress(net, {
              key: 'k',
              spec: JSON.stringify(spec),
              epochs: 3,
              ...files,
              report: (l) => said.push(l),
            });
            if (found.damaged) {
              expect(said).toHaveLength(1);
              expect(said[0]).toContain(path.join(dir, 'run.ckpt'));
              expect(fs.existsSync(files.progressFile)).toBe(false);
              expect(fs.existsSync(files.checkpoint)).toBe(false);
            } else {
              expect(said).toEqual([]);
              if (found.progress) expect(found.progress.epochsDone).toBeLessThanOrEqual(3);
            }
          } finally {
            net.dispose();
            fs.rmSync(dir, { recursive: true, force: true });
          }
        }),
        fuzzOptions(),
      );
    },
    fuzzTimeout(100),
  );
});

describe('fuzz: grid files', () => {
  it(
    'a damaged grid file or any JSON: configurations or an error with a code naming the file',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          damagedJson(JSON.stringify([...GRID, { model: 'dcase-crnn' }, { arch: 'cnn', layers: 2, width: 4, frontend: 'toolbox' }])),
          async (content) => {
            const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
            try {
              gridConfigurations(text, 'fuzz-grid.json');
            } catch (error) {
              expect(errorCode(error)).toMatch(/^E_(USAGE|SPEC|VALUE)$/);
              expect((error as Error).message).toContain('fuzz-grid.json');
            }
          },
        ),
        fuzzOptions(),
      );
    },
    fuzzTimeout(20),
  );
});
