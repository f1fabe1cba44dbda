/**
 * Builds a small multi-label set of real recordings from two Debian packages, in the DESED layout
 * the desed reader reads. scripts/build-real-dataset.sh downloads and extracts the packages
 * (without installing them) and runs this file; see the script's header for the options.
 *
 * Sources (Debian bookworm packages; docs/data.md, "A real recorded set"):
 * - hydrogen-drumkits: 14 drum kits; each kit's drumkit.xml maps instrument names to sample
 *   files, and the names map to classes by the regular expressions below. The velocity layers of
 *   one instrument are near-duplicates, so train and test never share a kit.
 * - sonic-pi-samples: Sonic Pi's samples; the file-name prefix is the class, except that the
 *   names of drum hits (bd_, sn_, drum_snare_...) map to the drum classes, so one label means one
 *   thing across both packages. Split by file.
 *
 * Each clip is `duration` seconds over low pink noise and holds 1-3 recordings of different
 * classes at random onsets and levels; weak labels are its classes, strong labels each
 * recording's audible extent in the mix (from its first to its last 10 ms frame whose RMS, at
 * the level it is mixed at, reaches the noise RMS; at least 250 ms; cut at the clip end). Everything is drawn from one seeded generator, so a seed
 * gives byte-identical files. Recordings not at the output rate (two kits are 48 kHz, one file
 * is 22.05 kHz) go through the windowed-sinc resampler in audio/resample.ts.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SedjouleError } from '../errors.js';
import { Random } from '../util/random.js';
import { decodeAudioFile, toMono } from './audio/decode.js';
import { fromDb, pinkNoise, rms } from './synth/dsp.js';
import { resample } from '../frontend/extractor.js';
import { encodeWav } from './audio/wav.js';

/** Class order of the set (the targets' order). */
export const REAL_SET_CLASSES: readonly string[] = [
  'kick',
  'snare',
  'hihat',
  'tom',
  'cymbal',
  'clap',
  'cowbell',
  'hand_drum',
  'shaker',
  'elec',
  'perc',
  'ambi',
  'bass',
  'glitch',
  'mehackit',
];

/**
 * Hydrogen instrument name → class, first match wins. `(?<![a-z])tom` keeps "Custom" (a ride
 * cymbal's maker) and "Stomp" (a kick) out of the toms; bells on African drums are not drums.
 */
const HYDROGEN_RULES: ReadonlyArray<[RegExp, string]> = [
  [/kick|bass ?drum/i, 'kick'],
  [/snare|rimshot/i, 'snare'],
  [/hi-?hat|(?<![a-z])hat(?![a-z])|(?<![a-z])hh(?![a-z])/i, 'hihat'],
  [/(?<![a-z])tom/i, 'tom'],
  [/crash|ride|splash|cymbal|china/i, 'cymbal'],
  [/clap|snap/i, 'clap'],
  [/cowbell/i, 'cowbell'],
  [/bell/i, ''],
  [/djembe|conga|bongo|cajon|sangban|dununba|kenkeni|tabla/i, 'hand_drum'],
  [/maraca|shaker|tambourine/i, 'shaker'],
];

/** Sonic Pi sample name → class: drum hits by name first, then the prefix. */
const SONIC_PI_RULES: ReadonlyArray<[RegExp, string]> = [
  [/^bd_|^drum_bass_|^drum_heavy_kick|_kick$/, 'kick'],
  [/^sn_|snare|^drum_roll/, 'snare'],
  // Sonic Pi's drum_cymbal_closed/open/pedal are hi-hat sounds; the other cymbals are cymbals.
  [/^drum_cymbal_(closed|open|pedal)/, 'hihat'],
  [/cymbal|splash/, 'cymbal'],
  [/(?<![a-z])tom|_tom_/, 'tom'],
  [/cowbell/, 'cowbell'],
  [/^perc_snap/, 'clap'],
  [/^tabla_/, 'hand_drum'],
  [/^elec_/, 'elec'],
  [/^perc_/, 'perc'],
  [/^ambi_/, 'ambi'],
  [/^bass_/, 'bass'],
  [/^glitch_/, 'glitch'],
  [/^mehackit_/, 'mehackit'],
  // loop_* are drum loops and mixtures (several classes in one file), and vinyl_, guit_ and
  // misc_ have 3-4 files each: too few to split. None gets a class.
];

export function hydrogenClass(instrument: string): string | undefined {
  for (const [rule, name] of HYDROGEN_RULES) if (rule.test(instrument)) return name || undefined;
  return undefined;
}

export function sonicPiClass(sample: string): string | undefined {
  const base = path.basename(sample).replace(/\.[a-z0-9]+$/i, '');
  for (const [rule, name] of SONIC_PI_RULES) if (rule.test(base)) return name;
  return undefined;
}

/**
 * Licences of the hydrogen kits as Debian's copyright file states them (hydrogen-drumkits
 * 2017.09.19~dfsg-1), in its spelling; its stanzas name the .h2drumkit archives, whose names
 * differ from the installed folders ("circAfrique.h2drumkit" is "circAfrique v4"), hence a
 * table. A kit not listed falls back to the <license> of its drumkit.xml.
 */
const HYDROGEN_LICENCES: Record<string, string> = {
  Audiophob: 'CC0',
  BJA_Pacific: 'CC-BY-SA-3.0-us',
  ColomboAcousticDrumkit: 'GPL-2+ with composition exception',
  ElectricEmpireKit: 'GPL-2+',
  ForzeeStereo: 'GPL-2',
  'Gimme A Hand 1.0': 'GPL-2',
  HardElectro1: 'GPL-2+',
  'Millo-Drums_v.1': 'GPL-2',
  Millo_MultiLayered2: 'GPL-2',
  Millo_MultiLayered3: 'GPL-2',
  'The Black Pearl 1.0': 'GPL-2',
  VariBreaks: 'GPL-2+',
  'circAfrique v4': 'CC-BY-SA-3.0',
  rumpf_kit_z01_h2: 'CC-BY-3.0',
};

const HYDROGEN_PACKAGE = 'hydrogen-drumkits';
const SONIC_PI_PACKAGE = 'sonic-pi-samples';
const HYDROGEN_DIR = 'usr/share/hydrogen/data/drumkits';
const SONIC_PI_DIR = 'usr/share/sonic-pi/samples';
const SONIC_PI_COPYRIGHT = 'usr/share/doc/sonic-pi-samples/copyright';

/** One source recording and where it may be used. */
export interface Recording {
  /** "<package>:<path inside the package's data folder>", unique. */
  id: string;
  file: string;
  package: string;
  /** The unit of the train/test split: a kit ("hydrogen-drumkits:<kit>") or the file itself. */
  group: string;
  className: string;
  licence: string;
  /** Kit author (hydrogen) for attribution. */
  author?: string;
}

function xmlText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

/** Kits and their recordings from the extracted hydrogen-drumkits tree. */
async function findHydrogenRecordings(root: string): Promise<Recording[]> {
  const base = path.join(root, HYDROGEN_DIR);
  const kits = (await readdir(base, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const recordings: Recording[] = [];
  for (const kit of kits) {
    const kitDir = path.join(base, kit);
    let xml: string;
    try {
      xml = await readFile(path.join(kitDir, 'drumkit.xml'), 'utf8');
    } catch {
      continue;
    }
    const present = new Set(await readdir(kitDir));
    const licence =
      HYDROGEN_LICENCES[kit] ??
      (xmlText(/<license>([\s\S]*?)<\/license>/.exec(xml)?.[1] ?? '') || 'see /usr/share/doc/hydrogen-drumkits/copyright');
    const author = xmlText(/<author>([\s\S]*?)<\/author>/.exec(xml)?.[1] ?? '') || undefined;
    // A file named by instruments of two classes (kits reuse samples) has no single label.
    const classOf = new Map<string, string | null>();
    for (const instrument of xml.match(/<instrument>[\s\S]*?<\/instrument>/g) ?? []) {
      const name = xmlText(/<name>([\s\S]*?)<\/name>/.exec(instrument)?.[1] ?? '');
      const className = hydrogenClass(name);
      if (!className) continue;
      for (const match of instrument.matchAll(/<filename>([\s\S]*?)<\/filename>/g)) {
        const file = xmlText(match[1]);
        const known = classOf.get(file);
        classOf.set(file, known === undefined || known === className ? className : null);
      }
    }
    for (const [file, className] of [...classOf].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (!className || !present.has(file)) continue;
      recordings.push({
        id: `${HYDROGEN_PACKAGE}:${kit}/${file}`,
        file: path.join(kitDir, file),
        package: HYDROGEN_PACKAGE,
        group: `${HYDROGEN_PACKAGE}:${kit}`,
        className,
        licence,
        author,
      });
    }
  }
  return recordings;
}

/**
 * Per-file licences from a Debian machine-readable copyright file: the License of the stanza
 * naming the file, else that of `Files: *`.
 */
export function debianLicences(copyright: string): { byFile: Map<string, string>; fallback: string | undefined } {
  const byFile = new Map<string, string>();
  let fallback: string | undefined;
  for (const stanza of copyright.split(/\n\s*\n/)) {
    const files = /^Files:((?:.*)(?:\n[ \t].*)*)/m.exec(stanza);
    const licence = /^License:[ \t]*(\S.*)$/m.exec(stanza);
    if (!files || !licence) continue;
    for (const pattern of files[1].split(/\s+/).filter(Boolean)) {
      if (pattern === '*') fallback = licence[1].trim();
      else byFile.set(pattern, licence[1].trim());
    }
  }
  return { byFile, fallback };
}

/** Sonic Pi samples with a class, and their licences. */
async function findSonicPiRecordings(root: string): Promise<Recording[]> {
  const dir = path.join(root, SONIC_PI_DIR);
  let licences: ReturnType<typeof debianLicences> = { byFile: new Map(), fallback: undefined };
  try {
    licences = debianLicences(await readFile(path.join(root, SONIC_PI_COPYRIGHT), 'utf8'));
  } catch {
    // Without the copyright file the samples README's statement (all CC0) is all there is.
  }
  const recordings: Recording[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!/\.(flac|wav)$/i.test(name)) continue;
    const className = sonicPiClass(name);
    if (!className) continue;
    // Debian lists 130 samples as CC0 and leaves the rest under "Files: *" (MIT), although the
    // samples' README says all are CC0 from freesound.org; the stricter Debian statement is kept.
    const licence =
      licences.byFile.get(`etc/samples/${name}`) ??
      (licences.fallback ? `${licences.fallback} (Debian Files: *; the samples README says CC0)` : 'CC0 (samples README)');
    recordings.push({
      id: `${SONIC_PI_PACKAGE}:${name}`,
      file: path.join(dir, name),
      package: SONIC_PI_PACKAGE,
      group: `${SONIC_PI_PACKAGE}:${name}`,
      className,
      licence,
    });
  }
  return recordings;
}

export interface RecordingSplit {
  train: Recording[];
  test: Recording[];
  testGroups: string[];
}

/**
 * Splits recordings into train and test by group, so no group (kit or file) is on both sides,
 * with every class on both sides. Groups holding several recordings (kits) are chosen as whole
 * units: about `testFraction` of them, over seeded random orders until every class is covered
 * on both sides. Single-recording groups (files) are then split per class, about `testFraction`
 * of each class's files to test (at least one when the class has two or more).
 */
export function splitRecordings(recordings: Recording[], classes: readonly string[], seed: number, testFraction = 0.25): RecordingSplit {
  const random = new Random(seed ^ 0x5eed);
  const groups = new Map<string, Recording[]>();
  for (const r of recordings) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  const kits = [...groups.keys()].filter((g) => (groups.get(g)?.length ?? 0) > 1).sort();
  const files = recordings.filter((r) => groups.get(r.group)?.length === 1);

  // Files first: they are split per class with no constraint, and the kit search then only has
  // to cover what the files leave uncovered.
  const fileTest = new Set<string>();
  for (const c of classes) {
    const ofClass = files.filter((r) => r.className === c);
    if (ofClass.length < 2) continue;
    const order = random.permutation(ofClass.length);
    const count = Math.max(1, Math.round(ofClass.length * testFraction));
    for (let i = 0; i < count; ++i) fileTest.add(ofClass[order[i]].group);
  }

  const kitCount = Math.max(1, Math.round(kits.length * testFraction));
  const byClass = classes.map((c) => recordings.filter((r) => r.className === c));
  // Every class on both sides; two recordings or more on each side where the class has four,
  // so a test class is not one recording heard in every clip that has it.
  const covered = (testKits: Set<string>): boolean =>
    byClass.every((ofClass) => {
      const inTest = ofClass.filter((r) => testKits.has(r.group) || fileTest.has(r.group)).length;
      const least = ofClass.length >= 4 ? 2 : 1;
      return ofClass.length === 0 || (inTest >= least && ofClass.length - inTest >= least);
    });
  for (let attempt = 0; attempt < 5000 && kits.length > 0; ++attempt) {
    const order = random.permutation(kits.length);
    const testKits = new Set(order.slice(0, kitCount).map((i) => kits[i]));
    if (covered(testKits)) {
      const testGroups = new Set([...testKits, ...fileTest]);
      return {
        train: recordings.filter((r) => !testGroups.has(r.group)),
        test: recordings.filter((r) => testGroups.has(r.group)),
        testGroups: [...testKits].sort(),
      };
    }
  }
  if (kits.length === 0 && covered(new Set())) {
    return {
      train: recordings.filter((r) => !fileTest.has(r.group)),
      test: recordings.filter((r) => fileTest.has(r.group)),
      testGroups: [],
    };
  }
  const lonely = classes.filter((c) => new Set(recordings.filter((r) => r.className === c).map((r) => r.group)).size < 2);
  throw new SedjouleError(
    'E_DATA',
    `no split by kit puts every class in both train and test${lonely.length ? `; classes in fewer than two groups: ${lonely.join(', ')}` : ''}`,
  );
}

/** A decoded recording at the output rate, mono, with its level per frame. */
interface PreparedRecording {
  samples: Float32Array;
  peak: number;
  /** RMS of each `hop`-sample frame, to find where the recording is audible over the noise. */
  frameRms: Float32Array;
  hop: number;
}

export interface RealSetSettings {
  duration: number;
  sampleRate: number;
  eventsPerClip: [number, number];
  /** Each recording's peak is set to a level drawn uniformly from this range (dBFS). */
  peakDbfs: [number, number];
  noiseRmsDbfs: number;
  /** A frame counts as part of an event when its RMS, as mixed, is this far above the noise RMS. */
  activitySnrDb: number;
  /** Frame length for that decision. */
  activityFrameSeconds: number;
  minEventSeconds: number;
  fadeSeconds: number;
  testFraction: number;
}

const DEFAULT_SETTINGS: RealSetSettings = {
  duration: 4,
  sampleRate: 44100,
  eventsPerClip: [1, 3],
  peakDbfs: [-20, -6],
  noiseRmsDbfs: -50,
  activitySnrDb: 0,
  activityFrameSeconds: 0.01,
  minEventSeconds: 0.25,
  fadeSeconds: 0.01,
  testFraction: 0.25,
};

export interface PackageInfo {
  name: string;
  version: string;
}

export interface RealSetOptions {
  /** Folder into which the .deb files were extracted (holds usr/share/...). */
  root: string;
  out: string;
  trainClips: number;
  testClips: number;
  seed: number;
  settings?: Partial<RealSetSettings>;
  packages?: PackageInfo[];
  progress?: (message: string) => void;
}

export interface ClipEvent {
  onset: number;
  offset: number;
  label: string;
  recording: Recording;
}

export interface RealSetSummary {
  out: string;
  classes: string[];
  clips: { train: number; test: number };
  recordings: { train: number; test: number };
  testKits: string[];
  seconds: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Pink noise (the synthetic set's generator) at an RMS level in dBFS. */
function pinkNoiseAt(length: number, rmsDbfs: number, random: Random): Float32Array {
  const noise = pinkNoise(random, length);
  const scale = fromDb(rmsDbfs) / Math.max(rms(noise), 1e-12);
  for (let i = 0; i < length; ++i) noise[i] *= scale;
  return noise;
}

async function prepare(recording: Recording, settings: RealSetSettings): Promise<PreparedRecording> {
  const audio = await decodeAudioFile(recording.file);
  let samples = toMono(audio);
  samples = await resample(samples, audio.sampleRate, settings.sampleRate);
  let peak = 0;
  for (const x of samples) peak = Math.max(peak, Math.abs(x));
  const hop = Math.max(1, Math.round(settings.activityFrameSeconds * settings.sampleRate));
  const frameRms = new Float32Array(Math.ceil(samples.length / hop));
  for (let f = 0; f < frameRms.length; ++f) {
    let sum = 0;
    const end = Math.min(samples.length, (f + 1) * hop);
    for (let i = f * hop; i < end; ++i) sum += samples[i] * samples[i];
    frameRms[f] = Math.sqrt(sum / (end - f * hop));
  }
  return { samples, peak, frameRms, hop };
}

/**
 * The samples of a recording that are audible over the noise when it is mixed at `gain`: from
 * the first to the last frame whose RMS reaches `floor`. A tail below the noise is not part of
 * the event, so the strong labels end where the sound disappears into the background.
 */
function audibleSpan(source: PreparedRecording, gain: number, floor: number): { start: number; end: number } {
  const threshold = floor / gain;
  let first = 0;
  while (first < source.frameRms.length && source.frameRms[first] < threshold) ++first;
  let last = source.frameRms.length - 1;
  while (last > first && source.frameRms[last] < threshold) --last;
  // A recording too quiet to clear the floor anywhere (not seen with these levels) is kept whole.
  if (first >= source.frameRms.length) return { start: 0, end: source.samples.length };
  return { start: first * source.hop, end: Math.min(source.samples.length, (last + 1) * source.hop) };
}

const TSV_ESCAPE = /[\t\n\r"]/;
function tsvRow(fields: Array<string | number>): string {
  // The names written here never contain tabs or quotes; refuse rather than write a broken file.
  for (const f of fields)
    if (typeof f === 'string' && TSV_ESCAPE.test(f)) throw new SedjouleError('E_INTERNAL', `TSV field ${JSON.stringify(f)} needs quoting`);
  return fields.join('\t');
}

/** Builds the set; see the file comment. Removes and rewrites `out`'s audio and metadata folders. */
async function buildRealSet(options: RealSetOptions): Promise<RealSetSummary> {
  const started = performance.now();
  const settings: RealSetSettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const log = options.progress ?? (() => {});
  for (const [name, value] of [
    ['train clips', options.trainClips],
    ['test clips', options.testClips],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new SedjouleError('E_VALUE', `${name} must be a positive integer, got ${value}`);
  }
  if (!(settings.duration > settings.minEventSeconds))
    throw new SedjouleError('E_VALUE', `clip duration must exceed ${settings.minEventSeconds} s, got ${settings.duration}`);
  if (!Number.isInteger(settings.sampleRate) || settings.sampleRate < 8000)
    throw new SedjouleError('E_VALUE', `sample rate must be an integer >= 8000, got ${settings.sampleRate}`);

  const recordings = [...(await findHydrogenRecordings(options.root)), ...(await findSonicPiRecordings(options.root))];
  const classes = REAL_SET_CLASSES.filter((c) => recordings.some((r) => r.className === c));
  const split = splitRecordings(recordings, classes, options.seed, settings.testFraction);
  log(
    `${recordings.length} recordings in ${classes.length} classes; test kits: ${split.testGroups.map((g) => g.split(':')[1]).join(', ')}`,
  );

  const cache = new Map<string, Promise<PreparedRecording>>();
  const prepared = (r: Recording): Promise<PreparedRecording> => {
    let p = cache.get(r.id);
    if (!p) {
      p = prepare(r, settings);
      cache.set(r.id, p);
    }
    return p;
  };

  const out = path.resolve(options.out);
  // dataset.json goes first and comes back last, so a folder holding it is a finished set.
  await rm(path.join(out, 'dataset.json'), { force: true });
  await rm(path.join(out, 'audio'), { recursive: true, force: true });
  await rm(path.join(out, 'metadata'), { recursive: true, force: true });
  const random = new Random(options.seed);
  const frames = Math.round(settings.duration * settings.sampleRate);
  const fade = Math.max(1, Math.round(settings.fadeSeconds * settings.sampleRate));
  const noiseFloor = fromDb(settings.noiseRmsDbfs + settings.activitySnrDb);
  const used = new Map<string, Recording>();
  const sourceRows: string[] = [tsvRow(['filename', 'split', 'onset', 'offset', 'event_label', 'recording', 'group', 'licence'])];

  for (const part of [
    {
      split: 'train',
      count: options.trainClips,
      pool: split.train,
      audioDir: 'audio/train/weak',
      weak: 'metadata/train/weak.tsv',
      strong: 'metadata/train/strong.tsv',
    },
    {
      split: 'test',
      count: options.testClips,
      pool: split.test,
      audioDir: 'audio/validation',
      weak: 'metadata/validation/weak.tsv',
      strong: 'metadata/validation/validation.tsv',
    },
  ]) {
    const byClass = new Map<string, Recording[]>();
    for (const r of part.pool) byClass.set(r.className, [...(byClass.get(r.className) ?? []), r]);
    const available = classes.filter((c) => byClass.has(c));
    await mkdir(path.join(out, part.audioDir), { recursive: true });
    const weakRows = [tsvRow(['filename', 'event_labels'])];
    const strongRows = [tsvRow(['filename', 'onset', 'offset', 'event_label'])];
    const durationRows = [tsvRow(['filename', 'duration'])];
    for (let n = 0; n < part.count; ++n) {
      const name = `${part.split}_${String(n).padStart(5, '0')}.wav`;
      const clip = pinkNoiseAt(frames, settings.noiseRmsDbfs, random);
      const count = random.int(settings.eventsPerClip[0], Math.min(settings.eventsPerClip[1], available.length));
      const chosen = random
        .permutation(available.length)
        .slice(0, count)
        .map((i) => available[i]);
      const events: ClipEvent[] = [];
      for (const label of chosen) {
        const pool = byClass.get(label) ?? [];
        const recording = pool[random.int(0, pool.length - 1)];
        const source = await prepared(recording);
        used.set(recording.id, recording);
        const gain = fromDb(random.uniform(settings.peakDbfs[0], settings.peakDbfs[1])) / Math.max(source.peak, 1e-9);
        const span = audibleSpan(source, gain, noiseFloor);
        const length = span.end - span.start;
        // A recording that fits is placed whole at a random onset; a longer one fills the clip
        // from a random excerpt (DESED's events that start before or run past the clip).
        let onsetFrame = 0;
        let from = span.start;
        if (length <= frames) onsetFrame = random.int(0, frames - length);
        else from = span.start + random.int(0, length - frames);
        const to = Math.min(span.end, from + frames - onsetFrame);
        const cut = to < source.samples.length;
        const excerpt = from > span.start;
        for (let i = from; i < to; ++i) {
          // Where the copy starts inside the sound or stops before its end (clip end, or the
          // tail below the noise), a 10 ms ramp avoids a click.
          const envelope = Math.min(1, cut ? (to - i) / fade : 1, excerpt ? (i - from + 1) / fade : 1);
          clip[onsetFrame + i - from] += gain * envelope * source.samples[i];
        }
        const onset = onsetFrame / settings.sampleRate;
        const offset = Math.min(
          settings.duration,
          Math.max((onsetFrame + to - from) / settings.sampleRate, onset + settings.minEventSeconds),
        );
        events.push({ onset: round3(onset), offset: round3(offset), label, recording });
      }
      let peak = 0;
      for (const x of clip) peak = Math.max(peak, Math.abs(x));
      // Summed peaks can pass full scale; the whole clip is scaled, keeping the mix's balance.
      if (peak > 0.98) for (let i = 0; i < clip.length; ++i) clip[i] *= 0.98 / peak;
      await writeFile(path.join(out, part.audioDir, name), encodeWav([clip], settings.sampleRate, 'pcm16'));
      events.sort((a, b) => a.onset - b.onset || a.offset - b.offset);
      weakRows.push(tsvRow([name, classes.filter((c) => chosen.includes(c)).join(',')]));
      for (const e of events) {
        strongRows.push(tsvRow([name, e.onset.toFixed(3), e.offset.toFixed(3), e.label]));
        sourceRows.push(
          tsvRow([
            name,
            part.split,
            e.onset.toFixed(3),
            e.offset.toFixed(3),
            e.label,
            e.recording.id,
            e.recording.group,
            e.recording.licence,
          ]),
        );
      }
      durationRows.push(tsvRow([name, settings.duration.toFixed(3)]));
      if ((n + 1) % 50 === 0 || n + 1 === part.count) log(`${part.split}: ${n + 1}/${part.count} clips`);
    }
    await mkdir(path.dirname(path.join(out, part.weak)), { recursive: true });
    await writeFile(path.join(out, part.weak), weakRows.join('\n') + '\n');
    await writeFile(path.join(out, part.strong), strongRows.join('\n') + '\n');
    if (part.split === 'test')
      await writeFile(path.join(out, 'metadata/validation/validation_durations.tsv'), durationRows.join('\n') + '\n');
  }
  await writeFile(path.join(out, 'metadata/sources.tsv'), sourceRows.join('\n') + '\n');

  const kitsOf = (pool: Recording[]): string[] =>
    [...new Set(pool.filter((r) => r.package === HYDROGEN_PACKAGE).map((r) => r.group.split(':')[1]))].sort();
  const countBy = (pool: Recording[]): Record<string, number> =>
    Object.fromEntries(classes.map((c) => [c, pool.filter((r) => r.className === c).length]));
  const licenceCounts: Record<string, number> = {};
  for (const r of used.values()) licenceCounts[r.licence] = (licenceCounts[r.licence] ?? 0) + 1;
  const versions = new Map((options.packages ?? []).map((p) => [p.name, p.version]));
  const kitDetails = [...new Set(recordings.filter((r) => r.package === HYDROGEN_PACKAGE).map((r) => r.group))].sort().map((group) => {
    const first = recordings.find((r) => r.group === group) as Recording;
    return {
      kit: group.split(':')[1],
      licence: first.licence,
      author: first.author,
      split: split.testGroups.includes(group) ? 'test' : 'train',
      recordings: recordings.filter((r) => r.group === group).length,
    };
  });
  const description = {
    name: 'debian-real',
    description: 'Real drum and instrument recordings from Debian packages mixed into multi-label clips (DESED layout).',
    generator: 'scripts/build-real-dataset.sh (src/data/real-set.ts)',
    classes,
    sampleRate: settings.sampleRate,
    duration: settings.duration,
    seed: options.seed,
    clips: { train: options.trainClips, test: options.testClips },
    settings: {
      ...settings,
      resampler:
        'windowed-sinc polyphase (Kaiser β 8.6, pass band to 0.9 of the lower Nyquist frequency, stop band from it), src/data/audio/resample.ts',
      mixing:
        'pink noise background; 1-3 recordings of different classes per clip; each recording peak-normalized to a level drawn from peakDbfs; clip scaled down if its peak passes 0.98',
      strongLabels:
        'from the first to the last activityFrameSeconds frame of each recording whose RMS, as mixed, is activitySnrDb or more above the noise RMS; at least minEventSeconds; cut at the clip end',
    },
    split: {
      rule: 'hydrogen-drumkits by kit, sonic-pi-samples by file: no kit and no recording is in both train and test',
      testKits: kitsOf(split.test),
      trainKits: kitsOf(split.train),
      recordings: { train: countBy(split.train), test: countBy(split.test) },
    },
    sources: [
      {
        package: HYDROGEN_PACKAGE,
        version: versions.get(HYDROGEN_PACKAGE) ?? 'unknown',
        url: `https://packages.debian.org/bookworm/${HYDROGEN_PACKAGE}`,
        copyright: '/usr/share/doc/hydrogen-drumkits/copyright',
        labels: "instrument names in each kit's drumkit.xml, mapped by regular expression",
        kits: kitDetails,
      },
      {
        package: SONIC_PI_PACKAGE,
        version: versions.get(SONIC_PI_PACKAGE) ?? 'unknown',
        url: `https://packages.debian.org/bookworm/${SONIC_PI_PACKAGE}`,
        copyright: '/usr/share/doc/sonic-pi-samples/copyright',
        labels: 'file-name prefix; drum-hit names map to the drum classes',
        recordings: recordings.filter((r) => r.package === SONIC_PI_PACKAGE).length,
      },
    ],
    licences: {
      note: 'Each clip is a derivative of the recordings it mixes (metadata/sources.tsv lists them with their licences). GPL-2 kits make the clips that use them GPL-2; CC-BY(-SA) kits need attribution (and share-alike).',
      recordingsUsedByLicence: licenceCounts,
    },
  };
  await writeFile(path.join(out, 'dataset.json'), JSON.stringify(description, null, 2) + '\n');
  const summary: RealSetSummary = {
    out,
    classes,
    clips: { train: options.trainClips, test: options.testClips },
    recordings: { train: split.train.length, test: split.test.length },
    testKits: kitsOf(split.test),
    seconds: (performance.now() - started) / 1000,
  };
  return summary;
}

/** Reads "name<TAB>version" lines written by the shell script. */
async function readPackages(file: string | undefined): Promise<PackageInfo[]> {
  if (!file) return [];
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((f) => f.length >= 2 && f[0])
    .map(([name, version]) => ({ name, version }));
}

function integerOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new SedjouleError('E_USAGE', `--${name} must be an integer, got '${value}'`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      root: { type: 'string' },
      out: { type: 'string' },
      clips: { type: 'string' },
      'test-clips': { type: 'string' },
      seed: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      packages: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  if (!values.root || !values.out)
    throw new SedjouleError(
      'E_USAGE',
      'usage: node dist/data/real-set.js --root <extracted packages> --out <folder> [--clips N] [--test-clips N] [--seed N] [--duration S] [--rate HZ] [--packages <tsv>]',
    );
  const duration = values.duration === undefined ? DEFAULT_SETTINGS.duration : Number(values.duration);
  if (!Number.isFinite(duration)) throw new SedjouleError('E_USAGE', `--duration must be a number of seconds, got '${values.duration}'`);
  const summary = await buildRealSet({
    root: values.root,
    out: values.out,
    trainClips: integerOption('clips', values.clips, 400),
    testClips: integerOption('test-clips', values['test-clips'], 100),
    seed: integerOption('seed', values.seed, 1),
    settings: { duration, sampleRate: integerOption('rate', values.rate, DEFAULT_SETTINGS.sampleRate) },
    packages: await readPackages(values.packages),
    progress: values.quiet ? undefined : (message) => process.stderr.write(`${message}\n`),
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const code = (error as { code?: string }).code;
    process.stderr.write(`build-real-dataset: ${code ? `${code}: ` : ''}${(error as Error).message}\n`);
    process.exit(1);
  });
}
