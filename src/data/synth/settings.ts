/**
 * The soundscape recipe's numbers in one place: the planner, the mixer and dataset.json read
 * them from here, so the file that describes a dataset cannot drift from the code that made it.
 */
import { SedjouleError } from '../../errors.js';

export interface SynthSettings {
  /** Background level: gated RMS in dBFS (see dsp.gatedRms); DESED 2021 uses ref_db = -50 (LUFS). */
  referenceDb: number;
  /** Event level = referenceDb + SNR, SNR ~ U(snrMinDb, snrMaxDb). */
  snrMinDb: number;
  snrMaxDb: number;
  /** Events per clip: round(N(eventsMean, eventsSd) truncated to [eventsMin - 0.5, eventsMax + 0.5]). */
  eventsMean: number;
  eventsSd: number;
  eventsMin: number;
  eventsMax: number;
  /** Free onsets ~ N(clip centre, onsetSdFraction * clip duration) truncated to [0, duration - minEventS]. */
  onsetSdFraction: number;
  /** Clips whose events (or labels) overlap more than this are redrawn (DESED rm_high_polyphony). */
  maxPolyphony: number;
  /** Labels shorter than this are extended (DESED: 250 ms). */
  minEventS: number;
  /** Same-class labels closer than this are merged (DESED: 150 ms). */
  mergeGapS: number;
  /** A clip whose float peak exceeds this is scaled down as a whole before 16-bit writing. */
  peakCeilingDb: number;
  /** Co-occurrence weights for the second and later labels: Speech, and a class of the first label's room. */
  speechWeight: number;
  roomWeight: number;
}

export const DEFAULT_SYNTH_SETTINGS: Readonly<SynthSettings> = {
  referenceDb: -50,
  snrMinDb: 6,
  snrMaxDb: 30,
  eventsMean: 3,
  eventsSd: 1.5,
  eventsMin: 1,
  eventsMax: 5,
  onsetSdFraction: 0.2,
  maxPolyphony: 3,
  minEventS: 0.25,
  mergeGapS: 0.15,
  peakCeilingDb: -1,
  speechWeight: 4,
  roomWeight: 2,
};

export function resolveSettings(overrides: Partial<SynthSettings> | undefined): SynthSettings {
  const s: SynthSettings = { ...DEFAULT_SYNTH_SETTINGS, ...(overrides ?? {}) };
  for (const [key, value] of Object.entries(s)) {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new SedjouleError('E_VALUE', `synth setting ${key} must be a finite number, got ${String(value)}`);
  }
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new SedjouleError('E_VALUE', `synth settings: ${what}`);
  };
  check(s.snrMinDb <= s.snrMaxDb, `snrMinDb (${s.snrMinDb}) must not exceed snrMaxDb (${s.snrMaxDb})`);
  check(
    Number.isInteger(s.eventsMin) && Number.isInteger(s.eventsMax) && s.eventsMin >= 1 && s.eventsMin <= s.eventsMax,
    `events per clip must be integers with 1 <= eventsMin (${s.eventsMin}) <= eventsMax (${s.eventsMax})`,
  );
  check(s.eventsSd > 0 && s.onsetSdFraction > 0, 'eventsSd and onsetSdFraction must be positive');
  check(Number.isInteger(s.maxPolyphony) && s.maxPolyphony >= 1, `maxPolyphony must be a positive integer, got ${s.maxPolyphony}`);
  check(s.minEventS > 0 && s.mergeGapS >= 0, 'minEventS must be positive and mergeGapS non-negative');
  check(
    s.peakCeilingDb <= 0 && s.referenceDb + s.snrMaxDb < s.peakCeilingDb,
    `peakCeilingDb (${s.peakCeilingDb}) must be <= 0 dBFS and above the loudest event level (${s.referenceDb + s.snrMaxDb} dBFS)`,
  );
  check(s.speechWeight >= 0 && s.roomWeight >= 0, 'co-occurrence weights must be non-negative');
  return s;
}
