/** The shape every per-class generator has. */
import type { Random } from '../../../util/random.js';

/**
 * Renders one event of the class: durationS seconds (rounded to whole samples) at sampleRate, at
 * an arbitrary level (the mixer sets the level), with 10 ms fades at both ends. Every random
 * choice comes from `random`, so one seed gives one event.
 */
export type EventGenerator = (random: Random, sampleRate: number, durationS: number) => Float32Array;
