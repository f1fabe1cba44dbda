import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runTrain } from '../src/experiment/train.js';
import { trainDataDefaults } from './helpers.js';
import { decodeAudioFile } from '../src/data/audio/decode.js';
import { parseCsv } from '../src/util/csv.js';
import { checkManifest, splitCounts, type DatasetManifest } from '../src/data/manifest.js';
import { readDataset } from '../src/data/readers/detect.js';
import { debianLicences, hydrogenClass, REAL_SET_CLASSES, sonicPiClass, splitRecordings, type Recording } from '../src/data/real-set.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = path.join(REPO, 'scripts', 'build-real-dataset.sh');
// The packages are downloaded and unpacked once into the repository's (git-ignored) cache,
// shared with manual runs of the script.
const WORK = path.join(REPO, '.cache', 'debian-audio');
const TRAIN = 24;
const TEST = 8;

describe('class mapping', () => {
  it('maps hydrogen instrument names by their regular expressions, without the traps', () => {
    const cases: Array<[string, string | undefined]> = [
      ['Kick (Tama Superstar 22")', 'kick'],
      ['c3 - bass drum 1', 'kick'],
      ['Kick Stomp', 'kick'],
      ['Pearl Snare Rimshot', 'snare'],
      ['Closed HH', 'hihat'],
      ['Hi-Hat Semiopen (Paiste Alpha Metal edge 14")', 'hihat'],
      ['VariBreaks Hat 1 Cl', 'hihat'],
      ['tomhi2', 'tom'],
      ['Floor Tom', 'tom'],
      ['Ride (Custom, Zagrebin 22")', 'cymbal'],
      ['China (Paiste Alpha 18")', 'cymbal'],
      ['Finger Snaps', 'clap'],
      ['Cowbell', 'cowbell'],
      ['Djembe1 Bass', 'hand_drum'],
      ['Cajon Thump', 'hand_drum'],
      ['Sangban1 Bell Hit', undefined],
      ['Tambourine Pedal (Pearl PTM-10GH)', 'shaker'],
      ['Stick', undefined],
      ['Sample: beats_08-37.flac', undefined],
      ['Whistle', undefined],
    ];
    for (const [name, expected] of cases) expect([name, hydrogenClass(name)]).toEqual([name, expected]);
  });

  it('maps Sonic Pi sample names: drum hits by name, the rest by prefix, loops to nothing', () => {
    const cases: Array<[string, string | undefined]> = [
      ['bd_808.flac', 'kick'],
      ['elec_hollow_kick.flac', 'kick'],
      ['drum_bass_hard.flac', 'kick'],
      ['sn_dub.flac', 'snare'],
      ['elec_filt_snare.flac', 'snare'],
      ['drum_cymbal_closed.flac', 'hihat'],
      ['drum_cymbal_hard.flac', 'cymbal'],
      ['drum_tom_lo_soft.flac', 'tom'],
      ['perc_snap2.flac', 'clap'],
      ['tabla_ghe1.flac', 'hand_drum'],
      ['elec_blip.flac', 'elec'],
      ['glitch_bass_g.flac', 'glitch'],
      ['bass_voxy_c.flac', 'bass'],
      ['loop_amen.flac', undefined],
      ['vinyl_hiss.flac', undefined],
    ];
    for (const [name, expected] of cases) expect([name, sonicPiClass(name)]).toEqual([name, expected]);
  });

  it('reads per-file licences from a Debian copyright file', () => {
    const copyright =
      'Format: x\n\nFiles: *\nCopyright: someone\nLicense: MIT\n\nFiles: etc/samples/a.flac\n etc/samples/b.flac\nCopyright: x\nLicense: CC0\n';
    const { byFile, fallback } = debianLicences(copyright);
    expect(fallback).toBe('MIT');
    expect(byFile.get('etc/samples/b.flac')).toBe('CC0');
  });
});

describe('splitRecordings', () => {
  const rec = (group: string, className: string, n: number): Recording => ({
    id: `${group}/${n}`,
    file: '',
    package: 'p',
    group,
    className,
    licence: 'x',
  });
  const recordings: Recording[] = [];
  for (const kit of ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8']) {
    for (let n = 0; n < 3; ++n) recordings.push(rec(kit, 'kick', n), rec(kit, 'snare', n));
  }
  for (let n = 0; n < 8; ++n) recordings.push(rec(`file${n}`, 'bell', n));

  it('never puts a kit or a file on both sides, and covers every class on both', () => {
    const split = splitRecordings(recordings, ['kick', 'snare', 'bell'], 3);
    const trainGroups = new Set(split.train.map((r) => r.group));
    expect(split.test.every((r) => !trainGroups.has(r.group))).toBe(true);
    for (const c of ['kick', 'snare', 'bell']) {
      expect(split.train.some((r) => r.className === c)).toBe(true);
      expect(split.test.some((r) => r.className === c)).toBe(true);
    }
    expect(split.testGroups).toHaveLength(2);
    expect(split.train.length + split.test.length).toBe(recordings.length);
    expect(splitRecordings(recordings, ['kick', 'snare', 'bell'], 3)).toEqual(split);
  });

  it('fails when a class lives in one kit only', async () => {
    const lonely = [...recordings, rec('k1', 'tom', 9), rec('k1', 'tom', 10)];
    expect(() => splitRecordings(lonely, ['kick', 'snare', 'bell', 'tom'], 3)).toThrow(/classes in fewer than two groups: tom/);
  });
});

describe('scripts/build-real-dataset.sh', () => {
  let out = '';
  let skipReason = '';
  let manifest: DatasetManifest;

  beforeAll(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), 'sedjoule-real-set-'));
    const run = spawnSync(SCRIPT, ['--out', out, '--clips', String(TRAIN), '--test-clips', String(TEST), '--seed', '7', '--work', WORK], {
      encoding: 'utf8',
      timeout: 900_000,
    });
    if (run.status === 3) {
      skipReason = `the Debian packages could not be obtained: ${run.stderr.trim().split('\n').pop()}`;
      return;
    }
    if (run.status !== 0) throw new Error(`build-real-dataset.sh failed (${run.status ?? run.signal}):\n${run.stderr}`);
    manifest = await readDataset(out);
  }, 900_000);

  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('writes the DESED layout that the desed reader reads without problems', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    expect(manifest.format).toBe('desed');
    expect(manifest.problems).toEqual([]);
    expect(manifest.classes).toEqual(REAL_SET_CLASSES);
    expect(splitCounts(manifest)).toEqual({ train: TRAIN, test: TEST });
    expect(checkManifest(manifest, { skipBad: false }).manifest.items).toHaveLength(TRAIN + TEST);
    for (const file of [
      'metadata/train/weak.tsv',
      'metadata/train/strong.tsv',
      'metadata/validation/validation.tsv',
      'metadata/validation/weak.tsv',
      'metadata/validation/validation_durations.tsv',
      'metadata/sources.tsv',
      'dataset.json',
    ]) {
      await expect(readFile(path.join(out, file))).resolves.toBeTruthy();
    }
  });

  it('labels: 1-3 different classes per clip, weak = the classes of the strong events, events inside the clip', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const description = JSON.parse(await readFile(path.join(out, 'dataset.json'), 'utf8')) as { duration: number; sampleRate: number };
    for (const item of manifest.items) {
      expect(item.labels.length).toBeGreaterThanOrEqual(1);
      expect(item.labels.length).toBeLessThanOrEqual(3);
      expect(new Set(item.labels).size).toBe(item.labels.length);
      const events = item.events ?? [];
      expect(events).toHaveLength(item.labels.length);
      expect([...new Set(events.map((e) => e.label))].sort()).toEqual([...item.labels].sort());
      for (const e of events) {
        expect(e.onset).toBeGreaterThanOrEqual(0);
        expect(e.offset).toBeGreaterThan(e.onset);
        expect(e.offset).toBeLessThanOrEqual(description.duration);
      }
    }
    const audio = await decodeAudioFile(manifest.items[0].path);
    expect(audio.format).toBe('wav pcm16');
    expect(audio.channels).toHaveLength(1);
    expect(audio.sampleRate).toBe(description.sampleRate);
    expect(audio.channels[0].length).toBe(Math.round(description.duration * description.sampleRate));
  });

  it('sounds where the labels say and is quiet elsewhere', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const inside: number[] = [];
    const outside: number[] = [];
    for (const item of manifest.items.slice(0, 8)) {
      const x = (await decodeAudioFile(item.path)).channels[0];
      const rate = 44100;
      const win = Math.round(0.05 * rate);
      for (let s = 0; s + win <= x.length; s += win) {
        let e = 0;
        for (let i = s; i < s + win; ++i) e += x[i] * x[i];
        const db = 10 * Math.log10(e / win + 1e-12);
        const [t0, t1] = [s / rate, (s + win) / rate];
        if ((item.events ?? []).some((ev) => ev.onset <= t0 && ev.offset >= t1)) inside.push(db);
        else if (!(item.events ?? []).some((ev) => ev.onset < t1 && ev.offset > t0)) outside.push(db);
      }
    }
    // Outside every event there is only the -50 dBFS noise floor.
    expect(Math.max(...outside)).toBeLessThan(-44);
    const median = [...inside].sort((a, b) => a - b)[inside.length >> 1];
    expect(median).toBeGreaterThan(-44);
  });

  it('train and test share no recording and no kit', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const sources = parseCsv(await readFile(path.join(out, 'metadata/sources.tsv'), 'utf8'), 'sources.tsv', { delimiter: '\t' });
    const column = (name: string): number => (sources.header ?? []).indexOf(name);
    const bySplit = (split: string, field: string): Set<string> =>
      new Set(sources.rows.filter((r) => r.fields[column('split')] === split).map((r) => r.fields[column(field)]));
    const overlap = (a: Set<string>, b: Set<string>): string[] => [...a].filter((x) => b.has(x));
    expect(overlap(bySplit('train', 'recording'), bySplit('test', 'recording'))).toEqual([]);
    const kits = (split: string): Set<string> => new Set([...bySplit(split, 'group')].filter((g) => g.startsWith('hydrogen-drumkits:')));
    expect(overlap(kits('train'), kits('test'))).toEqual([]);
    const description = JSON.parse(await readFile(path.join(out, 'dataset.json'), 'utf8')) as {
      split: { testKits: string[]; trainKits: string[] };
      sources: Array<{ package: string; version: string }>;
    };
    expect(overlap(new Set(description.split.testKits), new Set(description.split.trainKits))).toEqual([]);
    for (const g of kits('test')) expect(description.split.testKits).toContain(g.split(':')[1]);
    expect(description.sources.map((s) => s.package)).toEqual(['hydrogen-drumkits', 'sonic-pi-samples']);
    expect(description.sources.every((s) => s.version !== 'unknown')).toBe(true);
    // Every event names its source and licence.
    expect(sources.rows.every((r) => r.fields[column('licence')] !== '')).toBe(true);
  });

  it('trains briefly through the front end, the feature cache and a network', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const cache = await mkdtemp(path.join(os.tmpdir(), 'sedjoule-real-cache-'));
    try {
      const report = await runTrain({
        model: { kind: 'family', config: { arch: 'cnn', layers: 1, width: 8 } },
        phases: ['train', 'test'],
        runPasses: 1,
        runBatch: 1,
        data: { ...trainDataDefaults, data: out, cacheRoot: cache, frontend: { preset: 'dcase', clipSeconds: 4 } },
        epochs: 2,
        batchSize: 8,
        lr: 1e-3,
        seed: 1,
        threads: 2,
        progress: false,
        energy: { enabled: false, idleSeconds: 0, meter: {} },
      });
      expect(report.data.classes).toEqual(REAL_SET_CLASSES);
      expect(report.data.inputShape).toEqual([1, 128, 251]);
      expect(report.phases.features!.reports.map((r) => r.computed)).toEqual([TRAIN, TEST]);
      expect(report.phases.train!.result.epochLoss.every(Number.isFinite)).toBe(true);
      expect(report.phases.test!.metrics.examples).toBe(TEST);
      // The front end ran natively on every clip: its kernels are in the ledger.
      expect(new Set(report.phases.features!.kernels.map((k) => k.name))).toEqual(
        new Set(['resample', 'stft', 'mel', 'amplitude', 'normalize']),
      );
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  }, 600_000);

  it('is reproducible: the same seed writes the same bytes', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const again = await mkdtemp(path.join(os.tmpdir(), 'sedjoule-real-set-'));
    try {
      const run = spawnSync(
        SCRIPT,
        ['--out', again, '--clips', String(TRAIN), '--test-clips', String(TEST), '--seed', '7', '--work', WORK],
        { encoding: 'utf8', timeout: 900_000 },
      );
      expect(run.status).toBe(0);
      for (const file of [
        'metadata/train/strong.tsv',
        'metadata/sources.tsv',
        'audio/train/weak/train_00003.wav',
        'audio/validation/test_00001.wav',
      ]) {
        expect(await readFile(path.join(again, file))).toEqual(await readFile(path.join(out, file)));
      }
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });
});
