/** The embedded synthetic DESED-like dataset generator. */
export { DESED_CLASSES, isDesedClass, type DesedClass } from './classes.js';
export { EVENT_CLASSES, type EventClassSpec, type EventGenerator } from './events/index.js';
export { backgroundTrack } from './background.js';
export { postProcessLabels, polyphony, weakLabels, type StrongLabel, type LabelRules } from './labels.js';
export { planSoundscape, type PlannedEvent, type SoundscapePlan, type Placement } from './plan.js';
export { renderSoundscape, type RenderedSoundscape, type RenderedEvent } from './mix.js';
export { clipSeed, type SynthSplit } from './seeds.js';
export { DEFAULT_SYNTH_SETTINGS, resolveSettings, type SynthSettings } from './settings.js';
export {
  synthesize,
  clipName,
  SYNTH_GENERATOR,
  SYNTH_VERSION,
  SYNTH_LAYOUT,
  DEFAULT_TRAIN_CLIPS,
  type SynthOptions,
  type SynthReport,
  type SynthClassCount,
  type SynthClassCounts,
} from './writer.js';
