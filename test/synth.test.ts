/** The embedded synthetic DESED-like generator: files, labels, levels, classes, determinism. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DESED_CLASSES, type DesedClass } from '../src/data/synth/classes.js';
import { gatedRms, toDb } from '../src/data/synth/dsp.js';
import { EVENT_CLASSES } from '../src/data/synth/events/index.js';
import { polyphony, postProcessLabels } from '../src/data/synth/labels.js';
import { renderSoundscape } from '../src/data/synth/mix.js';
import { planSoundscape } from '../src/data/synth/plan.js';
import { clipSeed } from '../src/data/synth/seeds.js';
import { DEFAULT_SYNTH_SETTINGS } from '../src/data/synth/settings.js';
import { clipName, synthesize, SYNTH_LAYOUT } from '../src/data/synth/writer.js';
import { fft } from '../src/sensors/cross-correlation.js';
import { Random } from '../src/util/random.js';
import { failure } from './helpers.js';

const SR = 16000;
const settings = DEFAULT_SYNTH_SETTINGS;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'sedjoule-synth-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const folder = (): string => path.join(scratch, `run${++folders}`);

/** Every file under dir, relative path -> bytes. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (sub: string): void => {
    for (const name of readdirSync(path.join(dir, sub))) {
      const rel = path.join(sub, name);
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else out.set(rel, readFileSync(path.join(dir, rel)));
    }
  };
  walk('');
  return out;
}

function readTsv(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(file, 'utf8').split('\n');
  expect(lines.pop()).toBe(''); // newline-terminated
  return { header: lines[0].split('\t'), rows: lines.slice(1).map((l) => l.split('\t')) };
}

describe('synthesize: files', () => {
  const small = { trainClips: 6, testClips: 3, seed: 11 };

  it('an output folder that cannot be made is E_IO naming the path once', async () => {
    const file = path.join(scratch, 'a-file');
    writeFileSync(file, 'not a folder');
    const error = await failure(() => synthesize({ out: path.join(file, 'set'), ...small }));
    expect(error.code).toBe('E_IO');
    expect(error.message).toContain(path.join(file, 'set'));
    expect(error.message).toMatch(/ENOTDIR/);
    expect(error.message.split(file).length - 1).toBe(1);
  });

  it('writes the DESED layout, and the same seed gives byte-identical files', async () => {
    const a = folder();
    const b = folder();
    const reportA = await synthesize({ out: a, ...small });
    await synthesize({ out: b, ...small });
    const filesA = tree(a);
    const filesB = tree(b);
    expect([...filesA.keys()].sort()).toEqual([...filesB.keys()].sort());
    for (const [name, bytes] of filesA) expect(bytes.equals(filesB.get(name)!), name).toBe(true);

    expect(filesA.size).toBe(6 + 3 + 6);
    for (const rel of Object.values(SYNTH_LAYOUT))
      if (rel.endsWith('.tsv') || rel.endsWith('.json')) expect(filesA.has(rel), rel).toBe(true);
    for (let i = 0; i < 6; ++i) expect(filesA.has(path.join(SYNTH_LAYOUT.trainAudio, clipName('train', i)))).toBe(true);
    for (let i = 0; i < 3; ++i) expect(filesA.has(path.join(SYNTH_LAYOUT.validationAudio, clipName('validation', i)))).toBe(true);
    // 16-bit PCM mono, 10 s at 16 kHz: a 44-byte header and 320,000 bytes of samples.
    const wav = filesA.get(path.join(SYNTH_LAYOUT.trainAudio, clipName('train', 0)))!;
    expect(wav.length).toBe(44 + 2 * 10 * SR);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt16LE(22)).toBe(1);
    expect(wav.readUInt32LE(24)).toBe(SR);
    expect(wav.readUInt16LE(34)).toBe(16);

    expect(reportA.files).toBe(filesA.size);
    expect(reportA.bytes).toBe([...filesA.values()].reduce((s, f) => s + f.length, 0));
    expect(reportA.trainClips).toBe(6);
    expect(reportA.testClips).toBe(3);
  });

  it('changes with the seed, and a clip does not depend on how many others are made', async () => {
    const a = folder();
    const b = folder();
    const c = folder();
    await synthesize({ out: a, trainClips: 3, testClips: 1, seed: 5 });
    await synthesize({ out: b, trainClips: 3, testClips: 1, seed: 6 });
    await synthesize({ out: c, trainClips: 1, testClips: 2, seed: 5 });
    const clip = (dir: string, split: 'train' | 'validation', i: number): Buffer =>
      readFileSync(path.join(dir, split === 'train' ? SYNTH_LAYOUT.trainAudio : SYNTH_LAYOUT.validationAudio, clipName(split, i)));
    for (let i = 0; i < 3; ++i) expect(clip(a, 'train', i).equals(clip(b, 'train', i))).toBe(false);
    expect(readFileSync(path.join(a, SYNTH_LAYOUT.trainStrong)).equals(readFileSync(path.join(b, SYNTH_LAYOUT.trainStrong)))).toBe(false);
    expect(clip(a, 'train', 0).equals(clip(c, 'train', 0))).toBe(true);
    expect(clip(a, 'validation', 0).equals(clip(c, 'validation', 0))).toBe(true);
    // Train and validation clips with the same index are different soundscapes.
    expect(clip(a, 'train', 0).equals(clip(a, 'validation', 0))).toBe(false);
    expect(clipSeed(5, 'train', 0)).not.toBe(clipSeed(5, 'validation', 0));
  });

  it('writes consistent DESED TSVs and dataset.json', async () => {
    const dir = folder();
    const report = await synthesize({ out: dir, trainClips: 40, testClips: 10, seed: 3 });
    const durationS = 10;
    for (const [weakFile, strongFile, count] of [
      [SYNTH_LAYOUT.trainWeak, SYNTH_LAYOUT.trainStrong, 40],
      [SYNTH_LAYOUT.validationWeak, SYNTH_LAYOUT.validationStrong, 10],
    ] as const) {
      const weak = readTsv(path.join(dir, weakFile));
      const strong = readTsv(path.join(dir, strongFile));
      expect(weak.header).toEqual(['filename', 'event_labels']);
      expect(strong.header).toEqual(['filename', 'onset', 'offset', 'event_label']);
      expect(weak.rows).toHaveLength(count);
      const byFile = new Map<string, { label: string; onset: number; offset: number }[]>();
      for (const [file, onset, offset, label] of strong.rows) {
        expect(onset).toMatch(/^\d+\.\d{3}$/);
        expect(offset).toMatch(/^\d+\.\d{3}$/);
        expect(DESED_CLASSES).toContain(label);
        byFile.set(file, [...(byFile.get(file) ?? []), { label, onset: Number(onset), offset: Number(offset) }]);
      }
      for (const [file, labels] of weak.rows) {
        const events = byFile.get(file) ?? [];
        const set = labels.split(',');
        // Weak labels: the set of strong labels, each class once, in canonical order.
        expect(set).toEqual(
          [...new Set(events.map((e) => e.label))].sort(
            (x, y) => DESED_CLASSES.indexOf(x as DesedClass) - DESED_CLASSES.indexOf(y as DesedClass),
          ),
        );
        expect(set.length).toBeGreaterThanOrEqual(1);
        expect(existsSync(path.join(dir, weakFile.includes('train') ? SYNTH_LAYOUT.trainAudio : SYNTH_LAYOUT.validationAudio, file))).toBe(
          true,
        );
        for (const e of events) {
          expect(e.onset).toBeGreaterThanOrEqual(0);
          expect(e.offset).toBeLessThanOrEqual(durationS);
          expect(Math.round((e.offset - e.onset) * 1000)).toBeGreaterThanOrEqual(250);
        }
        for (const c of set) {
          const same = events.filter((e) => e.label === c).sort((x, y) => x.onset - y.onset);
          for (let k = 1; k < same.length; ++k) expect(Math.round((same[k].onset - same[k - 1].offset) * 1000)).toBeGreaterThanOrEqual(150);
        }
        expect(polyphony(events)).toBeLessThanOrEqual(3);
      }
    }
    const durations = readTsv(path.join(dir, SYNTH_LAYOUT.validationDurations));
    expect(durations.header).toEqual(['filename', 'duration']);
    expect(durations.rows).toEqual(Array.from({ length: 10 }, (_, i) => [clipName('validation', i), '10.000']));

    const dataset = JSON.parse(readFileSync(path.join(dir, SYNTH_LAYOUT.dataset), 'utf8'));
    expect(dataset).toMatchObject({
      generator: 'sedjoule-synth',
      version: 1,
      seed: 3,
      sampleRate: SR,
      durationS: 10,
      trainClips: 40,
      testClips: 10,
    });
    expect(dataset.classes).toEqual([...DESED_CLASSES]);
    expect(dataset.settings).toMatchObject({ snrMinDb: 6, snrMaxDb: 30, maxPolyphony: 3, minEventS: 0.25, mergeGapS: 0.15, fadeS: 0.01 });
    expect(dataset.classCounts).toEqual(report.classCounts);
    const trainStrong = readTsv(path.join(dir, SYNTH_LAYOUT.trainStrong)).rows;
    for (const c of DESED_CLASSES) expect(dataset.classCounts.train[c].events).toBe(trainStrong.filter((r) => r[3] === c).length);
  });

  it('uses the documented defaults for counts, rate and duration', async () => {
    const dir = folder();
    const report = await synthesize({ out: dir, trainClips: 5, seed: 1, sampleRate: 22050, durationS: 2 });
    expect(report.testClips).toBe(2);
    const wav = readFileSync(path.join(dir, SYNTH_LAYOUT.trainAudio, clipName('train', 0)));
    expect(wav.readUInt32LE(24)).toBe(22050);
    expect(wav.length).toBe(44 + 2 * 2 * 22050);
    const strong = readTsv(path.join(dir, SYNTH_LAYOUT.trainStrong)).rows;
    for (const [, , offset] of strong) expect(Number(offset)).toBeLessThanOrEqual(2);
  });

  it('writes dataset.json last: absent while a run (or a rerun) is in progress or after it fails', async () => {
    const dir = folder();
    const seen: boolean[] = [];
    await synthesize({
      out: dir,
      trainClips: 4,
      testClips: 1,
      seed: 2,
      progress: () => seen.push(existsSync(path.join(dir, SYNTH_LAYOUT.dataset))),
    });
    expect(seen).toEqual([false, false, false, false, false]);
    expect(existsSync(path.join(dir, SYNTH_LAYOUT.dataset))).toBe(true);
    const complete = tree(dir);

    // A rerun into a complete folder removes the marker first; a cancelled rerun leaves it absent.
    const cancelled = await failure(() =>
      synthesize({
        out: dir,
        trainClips: 8,
        testClips: 2,
        seed: 2,
        progress: (done) => {
          expect(existsSync(path.join(dir, SYNTH_LAYOUT.dataset))).toBe(false);
          if (done === 3) throw new Error('cancelled');
        },
      }),
    );
    expect(cancelled.message).toBe('cancelled');
    expect(existsSync(path.join(dir, SYNTH_LAYOUT.dataset))).toBe(false);

    // Restarting overwrites: the result equals a fresh run, with no temporary or stale files.
    await synthesize({ out: dir, trainClips: 4, testClips: 1, seed: 2 });
    const rerun = tree(dir);
    expect([...rerun.keys()].sort()).toEqual([...complete.keys()].sort());
    for (const [name, bytes] of complete) expect(bytes.equals(rerun.get(name)!), name).toBe(true);
  });

  it('rejects bad options with E_VALUE', async () => {
    const out = folder();
    expect((await failure(() => synthesize({ out, seed: 1.5 }))).code).toBe('E_VALUE');
    expect((await failure(() => synthesize({ out, seed: 1, trainClips: -1 }))).code).toBe('E_VALUE');
    expect((await failure(() => synthesize({ out, seed: 1, sampleRate: 100 }))).code).toBe('E_VALUE');
    expect((await failure(() => synthesize({ out, seed: 1, durationS: 0.1 }))).code).toBe('E_VALUE');
    expect((await failure(() => synthesize({ out, seed: 1, settings: { snrMinDb: 40 } }))).code).toBe('E_VALUE');
    expect(existsSync(path.join(out, SYNTH_LAYOUT.dataset))).toBe(false);
  });
});

describe('soundscape plans', () => {
  const plans = Array.from({ length: 400 }, (_, i) => planSoundscape(clipSeed(9, 'train', i), SR, 10, settings));

  it('draws 1 to 5 events around 3 and never more than 3 at once', () => {
    const counts = plans.map((p) => p.events.length);
    expect(Math.min(...counts)).toBe(1);
    expect(Math.max(...counts)).toBe(5);
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(mean).toBeGreaterThan(2.5);
    expect(mean).toBeLessThan(3.5);
    for (const p of plans) {
      expect(polyphony(p.events.map((e) => ({ onset: e.onsetSample, offset: e.onsetSample + e.visibleSamples })))).toBeLessThanOrEqual(3);
      expect(polyphony(p.labels)).toBeLessThanOrEqual(3);
      for (const e of p.events) {
        expect(e.onsetSample).toBeGreaterThanOrEqual(0);
        expect(e.onsetSample + e.visibleSamples).toBeLessThanOrEqual(p.samples);
        expect(e.snrDb).toBeGreaterThanOrEqual(6);
        expect(e.snrDb).toBeLessThanOrEqual(30);
      }
    }
  });

  it('uses every class, favours Speech after the first label, and pins long classes to the edges', () => {
    const later = plans.flatMap((p) => p.events.slice(1).map((e) => e.label));
    const share = (c: DesedClass): number => later.filter((l) => l === c).length / later.length;
    for (const c of DESED_CLASSES) expect(share(c), c).toBeGreaterThan(0);
    for (const c of DESED_CLASSES) if (c !== 'Speech') expect(share('Speech')).toBeGreaterThan(share(c));
    const spanning = plans.flatMap((p) => p.events).filter((e) => e.placement === 'whole');
    expect(spanning.length).toBeGreaterThan(0);
    for (const e of spanning)
      expect(['Blender', 'Electric_shaver_toothbrush', 'Frying', 'Running_water', 'Vacuum_cleaner']).toContain(e.label);
  });

  it('post-processes labels as DESED does', () => {
    const rules = { durationS: 10, minEventS: 0.25, mergeGapS: 0.15 };
    expect(
      postProcessLabels(
        [
          { label: 'Dog', onset: -0.5, offset: 0.1 }, // clipped to 0, then extended to 0.25
          { label: 'Dog', onset: 0.39, offset: 0.7 }, // 140 ms after: merged
          { label: 'Dog', onset: 0.85, offset: 0.9 }, // 150 ms after: kept, extended to 1.1
          { label: 'Cat', onset: 9.9, offset: 10.4 }, // clipped to 10, extended backwards
          { label: 'Speech', onset: 2, offset: 5 },
          { label: 'Speech', onset: 4, offset: 6 }, // overlapping: merged
        ],
        rules,
      ),
    ).toEqual([
      { label: 'Dog', onset: 0, offset: 0.7 },
      { label: 'Dog', onset: 0.85, offset: 1.1 },
      { label: 'Speech', onset: 2, offset: 6 },
      { label: 'Cat', onset: 9.75, offset: 10 },
    ]);
  });
});

describe('soundscape levels', () => {
  it('mixes each event at its SNR over the background (gated RMS dBFS), before and after peak scaling', () => {
    let isolated = 0;
    let scaled = 0;
    for (let i = 0; i < 40; ++i) {
      const plan = planSoundscape(clipSeed(4, 'train', i), SR, 10, settings);
      const { audio, background, events, peakGain } = renderSoundscape(plan, settings.peakCeilingDb, true);
      if (peakGain < 1) ++scaled;
      let peak = 0;
      for (const x of audio) peak = Math.max(peak, Math.abs(x));
      expect(toDb(peak)).toBeLessThanOrEqual(settings.peakCeilingDb + 1e-4);
      const backgroundDb = toDb(gatedRms(background!, SR));
      expect(backgroundDb).toBeCloseTo(settings.referenceDb + toDb(peakGain), 2);
      plan.events.forEach((event, k) => {
        const track = events![k];
        expect(toDb(gatedRms(track.samples, SR)) - backgroundDb).toBeCloseTo(event.snrDb, 2);
        // Measured in the mix itself where no other event overlaps: mix minus background.
        const start = event.onsetSample;
        const end = start + event.visibleSamples;
        const overlapped = plan.events.some((o, j) => j !== k && o.onsetSample < end && o.onsetSample + o.visibleSamples > start);
        if (overlapped) return;
        ++isolated;
        const residual = new Float32Array(end - start);
        for (let t = start; t < end; ++t) residual[t - start] = audio[t] - background![t];
        const snr = toDb(gatedRms(residual, SR)) - backgroundDb;
        expect(snr).toBeGreaterThanOrEqual(6 - 0.01);
        expect(snr).toBeLessThanOrEqual(30 + 0.01);
        expect(snr).toBeCloseTo(event.snrDb, 1);
      });
    }
    expect(isolated).toBeGreaterThan(10);
    expect(scaled).toBeLessThan(40);
  });
});

const BANDS = 16;

/** Mean power in 16 mel-spaced bands (0-8 kHz) in dB, relative to the band mean: the spectral shape. */
function bandProfile(x: Float32Array): Float64Array {
  const n = 512;
  const mel = (f: number): number => 2595 * Math.log10(1 + f / 700);
  const edges = Array.from({ length: BANDS + 1 }, (_, b) => 700 * (10 ** ((mel(SR / 2) * b) / BANDS / 2595) - 1));
  const power = new Float64Array(n / 2 + 1);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let start = 0; start + n <= x.length; start += 256) {
    for (let i = 0; i < n; ++i) {
      re[i] = x[start + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
      im[i] = 0;
    }
    fft(re, im, false);
    for (let k = 0; k <= n / 2; ++k) power[k] += re[k] * re[k] + im[k] * im[k];
  }
  const bands = new Float64Array(BANDS);
  for (let k = 0; k <= n / 2; ++k) {
    const f = (k * SR) / n;
    const b = Math.min(BANDS - 1, edges.findIndex((e) => e > f) - 1);
    bands[Math.max(0, b)] += power[k];
  }
  const db = bands.map((p) => 10 * Math.log10(p + 1e-20));
  const mean = db.reduce((a, b) => a + b, 0) / BANDS;
  return db.map((v) => v - mean);
}

describe('event generators', () => {
  it('render the requested length with fades, finite and not silent', () => {
    for (const c of DESED_CLASSES) {
      for (const durationS of [0.25, 1.3, 10]) {
        const x = EVENT_CLASSES[c].generate(new Random(7), SR, durationS);
        expect(x.length, c).toBe(Math.round(durationS * SR));
        expect(x.every(Number.isFinite), c).toBe(true);
        expect(gatedRms(x, SR), c).toBeGreaterThan(0);
        // The quarter-sine fade starts near zero.
        const edge = Math.max(Math.abs(x[0]), Math.abs(x[x.length - 1]));
        const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(edge / peak, c).toBeLessThan(0.2);
      }
    }
  });

  it('are deterministic per seed and vary between events', () => {
    for (const c of DESED_CLASSES) {
      const a = EVENT_CLASSES[c].generate(new Random(1), SR, 2);
      const b = EVENT_CLASSES[c].generate(new Random(1), SR, 2);
      const d = EVENT_CLASSES[c].generate(new Random(2), SR, 2);
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), c).toBe(true);
      expect(Buffer.from(a.buffer).equals(Buffer.from(d.buffer)), c).toBe(false);
    }
  });

  it('differ between classes in spectral shape by more than 3 dB RMS over 16 mel bands', () => {
    // Class means over 16 events each, at their natural durations; 3 dB is the stated margin
    // (the closest pair measured about 6 dB when this was written).
    const means = new Map<DesedClass, Float64Array>();
    for (const c of DESED_CLASSES) {
      const mean = new Float64Array(BANDS);
      for (let k = 0; k < 16; ++k) {
        const random = new Random(500 + k);
        const durationS = Math.min(10, Math.max(0.25, EVENT_CLASSES[c].duration(random)));
        const profile = bandProfile(EVENT_CLASSES[c].generate(random, SR, durationS));
        for (let b = 0; b < BANDS; ++b) mean[b] += profile[b] / 16;
      }
      means.set(c, mean);
    }
    for (const a of DESED_CLASSES) {
      for (const b of DESED_CLASSES) {
        if (a >= b) continue;
        const x = means.get(a)!;
        const y = means.get(b)!;
        const distance = Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / BANDS);
        expect(distance, `${a} vs ${b}`).toBeGreaterThan(3);
      }
    }
  });
});
