/**
 * The plan of one soundscape (Scaper's JAMS, in short): which events, where, how loud, and the
 * seeds that will render them. Drawing the whole plan before any audio means a redraw for excess
 * polyphony costs nothing, and the audio of an event depends only on its own seed.
 *
 * Recipe (DESED 2019/2020 generator, settings.ts has the numbers):
 *  - event count: round(N(3, 1.5)) truncated to 1..5;
 *  - first label uniform over the 10 classes; each later label drawn with weight 1, plus
 *    speechWeight for Speech (it co-occurs with everything in DESED), plus roomWeight for classes
 *    of the first label's room (kitchen, bathroom, pets, household); repeats allowed;
 *  - duration from the class table (events/index.ts), at most the clip;
 *  - placement: long stationary classes are pinned to a clip edge with their edgeProbability
 *    (40% whole clip, 30% from the start, 30% to the end); others start at
 *    N(clip centre, 0.2 clip) truncated to [0, clip - 0.25 s], and run past the end are cut;
 *  - SNR ~ U(6, 30) dB over the background level;
 *  - the whole plan is redrawn while more than 3 events (or post-processed labels) overlap.
 */
import { Random } from '../../util/random.js';
import { DESED_CLASSES, type DesedClass } from './classes.js';
import { choose, truncatedNormal } from './dsp.js';
import { EVENT_CLASSES } from './events/index.js';
import { polyphony, postProcessLabels, type StrongLabel } from './labels.js';
import type { SynthSettings } from './settings.js';

export type Placement = 'free' | 'whole' | 'start' | 'end';

export interface PlannedEvent {
  label: DesedClass;
  placement: Placement;
  /** First sample of the event in the clip. */
  onsetSample: number;
  /** Samples the generator renders (the event's natural length). */
  lengthSamples: number;
  /** Samples inside the clip: lengthSamples cut at the clip end. */
  visibleSamples: number;
  snrDb: number;
  /** Seed of the event's own Random. */
  seed: number;
}

export interface SoundscapePlan {
  sampleRate: number;
  durationS: number;
  samples: number;
  referenceDb: number;
  backgroundSeed: number;
  events: PlannedEvent[];
  /** DESED strong labels after post-processing. */
  labels: StrongLabel[];
  /** Draws needed to satisfy the polyphony limit (1 = first draw). */
  attempts: number;
}

/** Classes that share a room, for the co-occurrence rule. */
const ROOMS: readonly (readonly DesedClass[])[] = [
  ['Blender', 'Dishes', 'Frying', 'Running_water'],
  ['Electric_shaver_toothbrush', 'Running_water'],
  ['Cat', 'Dog'],
  ['Vacuum_cleaner', 'Alarm_bell_ringing'],
];

const MAX_ATTEMPTS = 1000;

export function planSoundscape(seed: number, sampleRate: number, durationS: number, settings: SynthSettings): SoundscapePlan {
  const random = new Random(seed);
  const samples = Math.round(durationS * sampleRate);
  const rules = { durationS, minEventS: settings.minEventS, mergeGapS: settings.mergeGapS };
  for (let attempt = 1; ; ++attempt) {
    let events = drawEvents(random, sampleRate, durationS, samples, settings);
    // A last resort never reached with the defaults: one event always satisfies the limit, and
    // the plan stays a pure function of the seed.
    if (attempt === MAX_ATTEMPTS) events = events.slice(0, 1);
    const labels = postProcessLabels(
      events.map((e) => ({ label: e.label, onset: e.onsetSample / sampleRate, offset: (e.onsetSample + e.visibleSamples) / sampleRate })),
      rules,
    );
    const raw = polyphony(events.map((e) => ({ onset: e.onsetSample, offset: e.onsetSample + e.visibleSamples })));
    if (raw > settings.maxPolyphony || polyphony(labels) > settings.maxPolyphony) continue;
    return {
      sampleRate,
      durationS,
      samples,
      referenceDb: settings.referenceDb,
      backgroundSeed: Math.floor(random.next() * 4294967296),
      events,
      labels,
      attempts: attempt,
    };
  }
}

function drawEvents(random: Random, sampleRate: number, durationS: number, samples: number, s: SynthSettings): PlannedEvent[] {
  const count = Math.round(truncatedNormal(random, s.eventsMean, s.eventsSd, s.eventsMin - 0.5, s.eventsMax + 0.5 - 1e-9));
  const first = choose(random, DESED_CLASSES);
  const room = new Set(ROOMS.filter((r) => r.includes(first)).flat());
  const weights = DESED_CLASSES.map((c) => 1 + (c === 'Speech' ? s.speechWeight : 0) + (room.has(c) ? s.roomWeight : 0));
  const events: PlannedEvent[] = [];
  for (let k = 0; k < count; ++k) {
    const label = k === 0 ? first : weightedChoice(random, DESED_CLASSES, weights);
    const spec = EVENT_CLASSES[label];
    let lengthS = Math.min(durationS, Math.max(s.minEventS, spec.duration(random)));
    let placement: Placement = 'free';
    if (random.next() < spec.edgeProbability) {
      const u = random.next();
      placement = u < 0.4 ? 'whole' : u < 0.7 ? 'start' : 'end';
    }
    let onsetS: number;
    if (placement === 'whole') {
      onsetS = 0;
      lengthS = durationS;
    } else if (placement === 'start') onsetS = 0;
    else if (placement === 'end') onsetS = durationS - lengthS;
    else onsetS = truncatedNormal(random, durationS / 2, s.onsetSdFraction * durationS, 0, Math.max(0, durationS - s.minEventS));
    const onsetSample = Math.min(samples - 1, Math.round(onsetS * sampleRate));
    const lengthSamples = Math.max(1, Math.round(lengthS * sampleRate));
    events.push({
      label,
      placement,
      onsetSample,
      lengthSamples,
      visibleSamples: Math.min(lengthSamples, samples - onsetSample),
      snrDb: random.uniform(s.snrMinDb, s.snrMaxDb),
      seed: Math.floor(random.next() * 4294967296),
    });
  }
  return events;
}

function weightedChoice<T>(random: Random, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = random.next() * total;
  for (let i = 0; i < items.length; ++i) {
    u -= weights[i];
    if (u < 0) return items[i];
  }
  return items[items.length - 1];
}
