/**
 * The per-class table the planner reads: the generator, how long its events last, and how often
 * a long stationary event is pinned to a clip edge (DESED's `_nOn` / `_nOff` / `_nOn_nOff`
 * foreground files, which start before and/or end after the clip).
 */
import type { Random } from '../../../util/random.js';
import type { DesedClass } from '../classes.js';
import { alarmBellEvent } from './alarm-bell.js';
import { blenderEvent } from './blender.js';
import { catEvent } from './cat.js';
import { dishesEvent } from './dishes.js';
import { dogEvent } from './dog.js';
import { fryingEvent } from './frying.js';
import type { EventGenerator } from './generator.js';
import { runningWaterEvent } from './running-water.js';
import { shaverEvent } from './shaver.js';
import { speechEvent } from './speech.js';
import { vacuumCleanerEvent } from './vacuum-cleaner.js';

export type { EventGenerator } from './generator.js';

export interface EventClassSpec {
  generate: EventGenerator;
  /** An event duration in seconds before any clipping to the clip (the table's time structure). */
  duration(random: Random): number;
  /** Probability that an event of the class is pinned to a clip edge instead of placed freely. */
  edgeProbability: number;
}

/** Sum of k units and k-1 gaps drawn from the ranges: the natural length of a bursty event. */
function burstDuration(random: Random, maxUnits: number, unit: [number, number], gap: [number, number]): number {
  const k = random.int(1, maxUnits);
  let total = 0;
  for (let i = 0; i < k; ++i) total += random.uniform(unit[0], unit[1]) + (i > 0 ? random.uniform(gap[0], gap[1]) : 0);
  return total;
}

export const EVENT_CLASSES: Readonly<Record<DesedClass, EventClassSpec>> = {
  Alarm_bell_ringing: { generate: alarmBellEvent, duration: (r) => r.uniform(1, 5), edgeProbability: 0 },
  Blender: { generate: blenderEvent, duration: (r) => r.uniform(2, 10), edgeProbability: 0.1 },
  Cat: { generate: catEvent, duration: (r) => burstDuration(r, 3, [0.4, 1.2], [0.2, 0.6]), edgeProbability: 0 },
  Dishes: { generate: dishesEvent, duration: (r) => r.uniform(0.5, 4), edgeProbability: 0 },
  Dog: { generate: dogEvent, duration: (r) => burstDuration(r, 4, [0.08, 0.25], [0.2, 0.6]), edgeProbability: 0 },
  Electric_shaver_toothbrush: { generate: shaverEvent, duration: (r) => r.uniform(1, 10), edgeProbability: 0.1 },
  Frying: { generate: fryingEvent, duration: (r) => r.uniform(3, 10), edgeProbability: 0.5 },
  Running_water: { generate: runningWaterEvent, duration: (r) => r.uniform(2, 10), edgeProbability: 0.3 },
  Speech: { generate: speechEvent, duration: (r) => r.uniform(0.5, 3), edgeProbability: 0 },
  Vacuum_cleaner: { generate: vacuumCleanerEvent, duration: (r) => r.uniform(3, 10), edgeProbability: 0.5 },
};
