/**
 * Strong-label rules of DESED's post_process.py, applied to every clip: clip to the soundscape,
 * extend events shorter than 250 ms to 250 ms, merge same-class events less than 150 ms apart
 * (overlapping ones included). DESED also merges same-class events whose onsets are less than
 * 400 ms apart; once every event lasts 250 ms, such a pair is always less than 150 ms apart, so
 * the one rule covers both. The work is in whole milliseconds, the precision of the TSV files,
 * so the invariants hold exactly for the written numbers.
 */
import { classIndex, type DesedClass } from './classes.js';

export interface StrongLabel {
  label: DesedClass;
  /** Seconds from the clip start, a whole number of milliseconds. */
  onset: number;
  offset: number;
}

export interface LabelRules {
  durationS: number;
  minEventS: number;
  mergeGapS: number;
}

export function postProcessLabels(events: readonly StrongLabel[], rules: LabelRules): StrongLabel[] {
  const ms = (s: number): number => Math.round(s * 1000);
  const end = ms(rules.durationS);
  const shortest = Math.min(ms(rules.minEventS), end);
  const gap = ms(rules.mergeGapS);
  const items = events
    .map((e) => ({ label: e.label, on: Math.max(0, ms(e.onset)), off: Math.min(end, ms(e.offset)) }))
    .filter((e) => e.off > e.on);
  for (const e of items) {
    if (e.off - e.on < shortest) {
      e.off = e.on + shortest;
      // At the clip end an event grows backwards instead, keeping it inside the clip.
      if (e.off > end) {
        e.off = end;
        e.on = end - shortest;
      }
    }
  }
  const merged: typeof items = [];
  const byClass = new Map<DesedClass, typeof items>();
  for (const e of items) byClass.set(e.label, [...(byClass.get(e.label) ?? []), e]);
  for (const list of byClass.values()) {
    list.sort((a, b) => a.on - b.on || a.off - b.off);
    let current = { ...list[0] };
    for (const next of list.slice(1)) {
      if (next.on - current.off < gap) current.off = Math.max(current.off, next.off);
      else {
        merged.push(current);
        current = { ...next };
      }
    }
    merged.push(current);
  }
  merged.sort((a, b) => a.on - b.on || classIndex(a.label) - classIndex(b.label) || a.off - b.off);
  return merged.map((e) => ({ label: e.label, onset: e.on / 1000, offset: e.off / 1000 }));
}

/** Most intervals active at once; an interval ending where another starts does not overlap it. */
export function polyphony(intervals: readonly { onset: number; offset: number }[]): number {
  const points: [number, number][] = [];
  for (const { onset, offset } of intervals) {
    if (offset <= onset) continue;
    points.push([onset, 1], [offset, -1]);
  }
  // Ends sort before starts at the same instant.
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let active = 0;
  let most = 0;
  for (const [, delta] of points) {
    active += delta;
    most = Math.max(most, active);
  }
  return most;
}

/** Weak labels: the set of strong-label classes, in canonical order. */
export function weakLabels(strong: readonly StrongLabel[]): DesedClass[] {
  return [...new Set(strong.map((s) => s.label))].sort((a, b) => classIndex(a) - classIndex(b));
}
