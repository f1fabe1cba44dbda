/**
 * From audio files to training examples: the native front end through the TypeScript facade, the
 * feature cache, feature datasets (with --skip-bad), and a model that really learns the embedded
 * synthetic set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runTrain } from '../src/experiment/train.js';
import { encodeWav } from '../src/data/audio/wav.js';
import { contentHash, FeatureCache } from '../src/data/feature-cache.js';
import { buildFeatureDataset } from '../src/data/feature-dataset.js';
import type { DatasetManifest } from '../src/data/manifest.js';
import { synthesize } from '../src/data/synth/writer.js';
import { FeatureExtractor, resample } from '../src/frontend/extractor.js';
import { failure, trainDataDefaults } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-features-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tone(frequency: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));
}

describe('the front end from TypeScript', () => {
  it('gives the presets their shapes and puts a tone in its mel band', async () => {
    const dcase = FeatureExtractor.create('dcase', { threads: 1 });
    expect(dcase.config.sampleRate).toBe(16000);
    expect(dcase.outputShape(160000, 16000)).toEqual([128, 626]);
    // 44.1 kHz input is resampled first: same shape.
    expect(dcase.outputShape(441000, 44100)).toEqual([128, 626]);
    const features = await dcase.compute(tone(1000, 16000, 10), 16000);
    expect(features.length).toBe(128 * 626);
    // Per-band mean over frames: the largest is the band around 1 kHz (HTK mel of 1 kHz = 1000 mel;
    // 128 bands over 0-2840 mel put it at band ~44).
    const means = Array.from({ length: 128 }, (_, m) => features.subarray(m * 626, (m + 1) * 626).reduce((a, b) => a + b, 0) / 626);
    const peak = means.indexOf(Math.max(...means));
    expect(Math.abs(peak - 44)).toBeLessThanOrEqual(1);
    expect(Math.min(...features)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...features)).toBeCloseTo(1, 6);
    const ledger = dcase.ledger().map((r) => r.name);
    expect(ledger).toEqual(['stft', 'mel', 'amplitude', 'normalize']);
    dcase.dispose();

    const toolbox = FeatureExtractor.create('toolbox');
    expect(toolbox.outputShape(441000, 44100)).toEqual([128, 64]);
    expect(toolbox.config.amplitude).toBe('none');
    toolbox.dispose();
  });

  it('rejects bad settings and bad audio with the field or value named', async () => {
    expect((await failure(() => FeatureExtractor.create({ preset: 'dcase', nFft: 1000, hop: 0 }))).message).toMatch(/hop/);
    expect((await failure(() => FeatureExtractor.create({ preset: 'dcase', fMax: 9000 }))).message).toMatch(/fMax/);
    expect((await failure(() => FeatureExtractor.create({ preset: 'dcase', windw: 'hann' } as never))).message).toMatch(
      /unknown field 'windw'/,
    );
    const e = FeatureExtractor.create('dcase', { threads: 1 });
    const audio = tone(440, 16000, 1);
    audio[100] = Number.NaN;
    const error = await failure(() => e.compute(audio, 16000));
    expect(error.code).toBe('E_VALUE');
    expect(error.message).toMatch(/100/);
    e.dispose();
  });

  it('resamples with the native resampler, keeping a tone', async () => {
    const out = await resample(tone(1000, 44100, 1), 44100, 16000);
    expect(out.length).toBe(16000);
    // Zero crossings of a 1 kHz tone over the middle half second: about 1000.
    let crossings = 0;
    for (let i = 4000; i < 12000; ++i) if (out[i - 1] < 0 !== out[i] < 0) ++crossings;
    expect(Math.abs(crossings - 1000)).toBeLessThanOrEqual(2);
  });
});

describe('feature cache and datasets', () => {
  it('computes each file once, reuses the entry, and recomputes a broken one', async () => {
    const dir = path.join(tmp, 'folder-set');
    fs.mkdirSync(dir, { recursive: true });
    const files = ['a.wav', 'b.wav', 'broken.wav'];
    fs.writeFileSync(path.join(dir, 'a.wav'), encodeWav([tone(500, 16000, 2)], 16000, 'pcm16'));
    fs.writeFileSync(path.join(dir, 'b.wav'), encodeWav([tone(3000, 16000, 2)], 16000, 'pcm16'));
    fs.writeFileSync(path.join(dir, 'broken.wav'), 'RIFF....not audio');
    const manifest: DatasetManifest = {
      format: 'folder',
      root: dir,
      classes: ['low', 'high'],
      items: files.map((f, i) => ({ path: path.join(dir, f), labels: [i === 1 ? 'high' : 'low'], split: 'train' })),
      problems: [],
    };
    const extractor = FeatureExtractor.create({ preset: 'dcase', clipSeconds: 2 }, { threads: 1 });
    const cache = new FeatureCache(path.join(tmp, 'cache'), extractor.config);

    const strict = await failure(() => buildFeatureDataset(manifest, 'train', { cache, extractor }));
    expect(strict.code).toBe('E_AUDIO');
    expect(strict.message).toContain('broken.wav');
    expect(strict.message).toContain('--skip-bad');

    // The two good files were computed before the failure and are kept: nothing finished is lost.
    const first = await buildFeatureDataset(manifest, 'train', { cache, extractor, skipBad: true });
    expect(first.report).toMatchObject({ computed: 0, cached: 2, corrupt: 0 });
    expect(first.report.skipped.map((p) => path.basename(p.file))).toEqual(['broken.wav']);
    expect(first.dataset.inputShape).toEqual([1, 128, 126]);
    expect(Array.from(first.dataset.target(1))).toEqual([0, 1]);
    const computedA = first.dataset.input(0);

    const direct = await extractor.compute(
      tone(500, 16000, 2).map((v) => Math.round(v * 32768) / 32768),
      16000,
    );
    expect(Array.from(computedA)).toEqual(Array.from(direct));

    // A truncated entry (an interrupted write never renamed into place looks the same to a
    // reader that trusts nothing) is a miss: removed and recomputed.
    const hash = contentHash(fs.readFileSync(path.join(dir, 'a.wav')));
    fs.truncateSync(cache.entryPath(hash), 100);
    expect(cache.probe(hash)).toMatchObject({ state: 'corrupt' });
    expect(fs.existsSync(cache.entryPath(hash))).toBe(false);
    const third = await buildFeatureDataset(manifest, 'train', { cache, extractor, skipBad: true });
    expect(third.report).toMatchObject({ computed: 1, cached: 1, corrupt: 0 });
    expect(fs.readdirSync(cache.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);

    // Different settings, different cache folder.
    const other = new FeatureCache(path.join(tmp, 'cache'), { ...extractor.config, nMels: 64 });
    expect(other.dir).not.toBe(cache.dir);
    extractor.dispose();
  });

  describe('a corrupt entry is never used: it is removed, recomputed and counted', () => {
    const dir = path.join(tmp, 'corrupt-set');
    const files = ['a.wav', 'b.wav'];
    const manifest: DatasetManifest = {
      format: 'folder',
      root: dir,
      classes: ['low', 'high'],
      items: files.map((f, i) => ({ path: path.join(dir, f), labels: [i === 1 ? 'high' : 'low'], split: 'train' })),
      problems: [],
    };
    let extractor: FeatureExtractor;
    let cache: FeatureCache;
    let good: Float32Array;
    const entryOf = (file: string): string => cache.entryPath(contentHash(fs.readFileSync(path.join(dir, file))));

    beforeAll(async () => {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'a.wav'), encodeWav([tone(500, 16000, 1)], 16000, 'pcm16'));
      fs.writeFileSync(path.join(dir, 'b.wav'), encodeWav([tone(3000, 16000, 1)], 16000, 'pcm16'));
      extractor = FeatureExtractor.create({ preset: 'dcase', clipSeconds: 1 }, { threads: 1 });
      cache = new FeatureCache(path.join(tmp, 'corrupt-cache'), extractor.config);
      const built = await buildFeatureDataset(manifest, 'train', { cache, extractor });
      expect(built.report).toMatchObject({ computed: 2, cached: 0 });
      good = built.dataset.input(0);
    });
    afterAll(() => extractor.dispose());

    async function rebuiltAfter(damage: (entry: string) => void): Promise<void> {
      damage(entryOf('a.wav'));
      const rebuilt = await buildFeatureDataset(manifest, 'train', { cache, extractor });
      expect(Array.from(rebuilt.dataset.input(0))).toEqual(Array.from(good));
      expect(rebuilt.report).toMatchObject({ computed: 1, cached: 1, corrupt: 1 });
    }

    it('flipped bytes inside the data', async () => {
      await rebuiltAfter((entry) => {
        const bytes = fs.readFileSync(entry);
        for (let i = 0; i < 16; ++i) bytes[200 + i] ^= 0xa5;
        fs.writeFileSync(entry, bytes);
      });
    });

    it('a NaN written over one value', async () => {
      await rebuiltAfter((entry) => {
        const bytes = fs.readFileSync(entry);
        bytes.writeFloatLE(Number.NaN, bytes.length - 4);
        fs.writeFileSync(entry, bytes);
      });
    });

    it('mels and frames swapped in the header', async () => {
      await rebuiltAfter((entry) => {
        const bytes = fs.readFileSync(entry);
        const mels = bytes.readUInt32LE(8);
        bytes.writeUInt32LE(bytes.readUInt32LE(12), 8);
        bytes.writeUInt32LE(mels, 12);
        fs.writeFileSync(entry, bytes);
      });
    });

    it("another clip's entry copied over its name", async () => {
      await rebuiltAfter((entry) => fs.copyFileSync(entryOf('b.wav'), entry));
    });

    it('an entry of the old format without a checksum (SJFEAT01)', async () => {
      await rebuiltAfter((entry) => {
        const bytes = fs.readFileSync(entry);
        const old = Buffer.concat([Buffer.from('SJFEAT01'), bytes.subarray(8, 16), bytes.subarray(20)]);
        fs.writeFileSync(entry, old);
      });
    });

    it('an entry that goes bad after the build is E_DATA naming the entry and the clip when read', async () => {
      const built = await buildFeatureDataset(manifest, 'train', { cache, extractor });
      const entry = entryOf('a.wav');
      const bytes = fs.readFileSync(entry);
      bytes[100] ^= 1;
      fs.writeFileSync(entry, bytes);
      const error = await failure(() => built.dataset.input(0));
      expect(error.code).toBe('E_DATA');
      expect(error.message).toContain(entry);
      expect(error.message).toContain(path.join(dir, 'a.wav'));
      expect(error.message).toMatch(/checksum/);
      expect(fs.existsSync(entry)).toBe(false);
    });

    it('a directory where an entry belongs is E_IO naming it', async () => {
      const entry = entryOf('a.wav');
      fs.rmSync(entry, { force: true });
      fs.mkdirSync(entry);
      const error = await failure(() => buildFeatureDataset(manifest, 'train', { cache, extractor }));
      expect(error.code).toBe('E_IO');
      expect(error.message).toContain(entry);
      fs.rmdirSync(entry);
    });
  });
});

describe('errors of a feature build name the file once, with a code', () => {
  it('an undecodable file is E_AUDIO with its path once; an unreadable one is E_IO', async () => {
    const dir = path.join(tmp, 'bad-set');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'text.wav'), 'just some text, not audio at all');
    const extractor = FeatureExtractor.create({ preset: 'dcase', clipSeconds: 1 }, { threads: 1 });
    const cache = new FeatureCache(path.join(tmp, 'bad-cache'), extractor.config);
    const manifestOf = (file: string): DatasetManifest => ({
      format: 'folder',
      root: dir,
      classes: ['x'],
      items: [{ path: path.join(dir, file), labels: ['x'], split: 'train' }],
      problems: [],
    });
    const audio = await failure(() => buildFeatureDataset(manifestOf('text.wav'), 'train', { cache, extractor }));
    expect(audio.code).toBe('E_AUDIO');
    expect(audio.message.split(path.join(dir, 'text.wav')).length - 1).toBe(1);
    const missing = await failure(() => buildFeatureDataset(manifestOf('gone.wav'), 'train', { cache, extractor }));
    expect(missing.code).toBe('E_IO');
    expect(missing.message.split(path.join(dir, 'gone.wav')).length - 1).toBe(1);
    extractor.dispose();
  });
});

describe('the embedded synthetic set', () => {
  it('is learnt: a small CNN reaches a test mAP far above chance', async () => {
    const cacheRoot = path.join(tmp, 'learn');
    await synthesize({ out: path.join(cacheRoot, 'set'), seed: 3, trainClips: 160, testClips: 64 });
    const report = await runTrain({
      model: { kind: 'family', config: { arch: 'cnn', layers: 2, width: 16 } },
      phases: ['train', 'test'],
      runPasses: 1,
      runBatch: 1,
      data: { ...trainDataDefaults, data: path.join(cacheRoot, 'set'), cacheRoot, frontend: { preset: 'dcase', hop: 512, nMels: 64 } },
      epochs: 6,
      batchSize: 8,
      lr: 1e-3,
      seed: 1,
      threads: 2,
      progress: false,
      energy: { enabled: false, idleSeconds: 0, meter: {} },
    });
    const m = report.phases.test!.metrics;
    // Chance: a constant score gives each class its prevalence as AP.
    const prevalence = m.perClass.filter((c) => c.ap !== null).map((c) => c.positives / m.examples);
    const chance = prevalence.reduce((a, b) => a + b, 0) / prevalence.length;
    expect(chance).toBeLessThan(0.35);
    expect(m.mAP!).toBeGreaterThan(Math.max(0.45, 1.8 * chance));
    expect(report.data.source).toBe('folder');
    expect(report.data.classes).toHaveLength(10);
  }, 300_000);
});
