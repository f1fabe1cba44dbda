/**
 * Which readings belong to which load: the window of a segment of load (one burst, or a block of
 * repetitions) runs from halfway through the idle gap before it to halfway through the idle gap after
 * it, so a reading delayed or smeared by the sensor's filter still counts for the load that caused it,
 * and no reading counts twice. The plans leave gaps longer than the filters for this reason.
 */
export interface Segment {
  startS: number;
  endS: number;
}

export interface SegmentWindow {
  fromS: number;
  toS: number;
}

/**
 * Windows of the `segments` among every load that ran (`all`, the segments included); the first and
 * last reach `edgeS` beyond their segment when no other load is nearer.
 */
export function segmentWindows(segments: readonly Segment[], all: readonly Segment[], edgeS: number): SegmentWindow[] {
  return segments.map((s) => {
    let before = s.startS - 2 * edgeS;
    let after = s.endS + 2 * edgeS;
    for (const o of all) {
      if (o.endS <= s.startS && o.endS > before) before = o.endS;
      if (o.startS >= s.endS && o.startS < after) after = o.startS;
    }
    return { fromS: (before + s.startS) / 2, toS: (s.endS + after) / 2 };
  });
}
