/**
 * The sensor section of the report (`sedjoule sensor-study`): per channel, the step response with
 * the fitted filter over the readings, the coverage diagram (the share of each short burst's
 * energy the readings account for, against where the burst fell in the update period), the naive
 * methods' error against the load's length, and the tables of every estimate with its uncertainty.
 */
import { isEstimated, type MaybeEstimate } from '../sensors/estimate.js';
import { LoadPattern } from '../sensors/load-pattern.js';
import { planOf } from '../sensors/plan.js';
import type { ChannelReport, SensorStudyResult } from '../sensors/study-result.js';
import type { SensorTrace, TraceChannel } from '../sensors/trace.js';
import { packageVersion } from '../version.js';
import { axes, inner, polyline, type PlotArea } from './axes.js';
import { el, leaf, text, tooltip } from './markup.js';
import { page, type Section } from './page.js';
import { SOURCE_COLOURS } from './palette.js';
import { autoScale, linearScale } from './scale.js';

const AREA: PlotArea = { width: 560, height: 300, left: 62, right: 14, top: 16, bottom: 40 };
// Readings shown before each step's start and after its end.
const STEP_LEAD_S = 0.5;
const STEP_TAIL_S = 1.5;

const shown = (e: MaybeEstimate, unit = '', scale = 1, digits = 3): string =>
  isEstimated(e) ? `${(scale * e.value).toPrecision(digits)} ± ${(scale * e.uncertainty).toPrecision(2)}${unit}` : `— (${e.why})`;

function svg(plot: string, ...parts: string[]): string {
  return el(
    'svg',
    { class: 'plot', viewBox: `0 0 ${AREA.width} ${AREA.height}`, width: AREA.width, height: AREA.height, 'data-plot': plot },
    ...parts,
  );
}

function panel(plot: string, title: string, subtitle: string, body: string, legend: string[] = []): string {
  return el(
    'figure',
    { class: 'panel', 'data-plot': plot },
    el('figcaption', {}, el('span', { class: 'plot-title' }, text(title)), el('span', { class: 'plot-subtitle' }, text(subtitle))),
    body,
    legend.length ? el('div', { class: 'legend inline' }, ...legend) : '',
  );
}

function swatch(colour: string, label: string, kind: 'line' | 'dot' = 'dot'): string {
  return el('span', {}, el('span', { class: kind === 'line' ? 'swatch line' : 'swatch', style: `background:${colour}` }), text(label));
}

function empty(plot: string, title: string, why: string): string {
  return el(
    'figure',
    { class: 'panel empty', 'data-plot': plot, 'data-empty': why },
    el('figcaption', {}, el('span', { class: 'plot-title' }, text(title))),
    el('p', { class: 'why' }, text(why)),
  );
}

/**
 * Step response: every step's readings folded onto the time since that step started, and the
 * fitted filter's prediction for the first step (idle + gain x filter(load)(t - delay)).
 */
function stepFigure(c: ChannelReport, trace: TraceChannel | undefined, steps: SensorTrace['bursts']): string {
  const title = `step response · ${c.channel}`;
  if (!trace || steps.length === 0) return empty('step', title, 'no step bursts or no readings of this channel');
  const s = c.stepResponse;
  if (c.quantity !== 'power') return empty('step', title, 'an energy counter: its step response is in the table (delay of its rate)');
  if (!isEstimated(s.idle) || !isEstimated(s.gain) || !isEstimated(s.delay) || !isEstimated(s.filterWidth) || !s.filterShape)
    return empty(
      'step',
      title,
      `no fitted filter: ${isEstimated(s.filterWidth) ? 'the idle, gain or delay was not estimated' : s.filterWidth.why}`,
    );
  const points: Array<[number, number]> = [];
  for (const b of steps) {
    for (const ch of trace.changes) {
      const t = ch.t - b.startS;
      if (t >= -STEP_LEAD_S && t <= b.endS - b.startS + STEP_TAIL_S) points.push([t, ch.value]);
    }
  }
  if (points.length === 0) return empty('step', title, 'no readings around the steps');
  const first = steps[0];
  const pattern = new LoadPattern(steps);
  const span = first.endS - first.startS + STEP_TAIL_S;
  const model: Array<[number, number]> = [];
  for (let i = 0; i <= 400; ++i) {
    const t = -STEP_LEAD_S + ((span + STEP_LEAD_S) * i) / 400;
    model.push([t, s.idle.value + s.gain.value * pattern.filtered(s.filterShape, first.startS + t - s.delay.value, s.filterWidth.value)]);
  }
  const { x0, x1, y0, y1 } = inner(AREA);
  const x = linearScale([-STEP_LEAD_S, span], [x0, x1]);
  const y = linearScale([...points.map((p) => p[1]), ...model.map((p) => p[1])], [y1, y0]);
  const dots = points.map(([t, v]) => leaf('circle', { class: 'pt', cx: x.map(t), cy: y.map(v), r: 2, fill: SOURCE_COLOURS[0] }));
  const fit = el('path', { class: 'fit', d: polyline(model.map(([t, v]) => [x.map(t), y.map(v)])), stroke: SOURCE_COLOURS[1] });
  const body = svg(
    'step',
    axes(AREA, x, y, { x: 'time since the step started (s)', y: `${c.field} (${c.unit})` }),
    el('g', {}, ...dots),
    fit,
  );
  return panel(
    'step',
    title,
    `${steps.length} steps folded; fitted ${s.filterShape} ${shown(s.filterWidth, ' s')}, delay ${shown(s.delay, ' s')}, residual ${shown(s.residualRms, ' W')}`,
    body,
    [swatch(SOURCE_COLOURS[0], 'readings'), swatch(SOURCE_COLOURS[1], 'fitted filter', 'line')],
  );
}

/** Coverage: each part-time burst's seen fraction against its phase in the update period, by burst length. */
function coverageFigure(c: ChannelReport): string {
  const title = `part-time coverage · ${c.channel}`;
  const pt = c.partTime;
  if (!('bursts' in pt)) return empty('coverage', title, pt.why);
  const rows = pt.bursts.filter((b) => b.phase !== null && Number.isFinite(b.seenFraction));
  if (rows.length === 0) return empty('coverage', title, isEstimated(pt.window) ? 'no burst has a phase' : pt.window.why);
  const lengths = [...new Set(rows.map((r) => Math.round(r.durationS * 1000)))].sort((a, b) => a - b);
  const { x0, x1, y0, y1 } = inner(AREA);
  const x = linearScale([0, 1], [x0, x1]);
  const y = linearScale([0, 1, ...rows.map((r) => r.seenFraction)], [y1, y0], { includeZero: true });
  const dots = rows.map((r) => {
    const colour = SOURCE_COLOURS[lengths.indexOf(Math.round(r.durationS * 1000)) % SOURCE_COLOURS.length];
    return el(
      'circle',
      { class: 'pt', cx: x.map(r.phase!), cy: y.map(r.seenFraction), r: 3.5, fill: colour },
      tooltip(`${r.label}: phase ${r.phase!.toFixed(3)}, seen ${(100 * r.seenFraction).toFixed(1)} % of its net energy`),
    );
  });
  const one = leaf('line', { class: 'fit pooled', x1: x0, x2: x1, y1: y.map(1), y2: y.map(1), stroke: '#444' });
  const body = svg(
    'coverage',
    axes(AREA, x, y, { x: 'burst start, phase of the update period', y: 'share of the burst energy seen' }),
    one,
    el('g', {}, ...dots),
  );
  return panel(
    'coverage',
    title,
    `sampled window ${shown(pt.window, ' s')} = ${shown(pt.sampledFraction, '', 1)} of each period; mean seen ${shown(pt.meanSeenFraction)}`,
    body,
    lengths.map((l, i) => swatch(SOURCE_COLOURS[i % SOURCE_COLOURS.length], `${l} ms bursts`)),
  );
}

/** Error against the load's length: each naive method's mean |error|, log-log. */
function naiveFigure(study: SensorStudyResult, n: SensorStudyResult['naive'][number]): string {
  const title = `naive methods · ${n.power} vs ${n.counter}`;
  const series: Array<{ label: string; points: Array<[number, number]> }> = [];
  const intervals = [...new Set(n.loads.flatMap((l) => l.sampled.map((m) => m.intervalS)))];
  for (const interval of intervals) {
    series.push({
      label: `power sampled every ${interval} s`,
      points: n.loads.flatMap((l) => {
        const m = l.sampled.find((x) => x.intervalS === interval);
        return m && isEstimated(m.meanError) ? [[l.durationS, Math.abs(m.meanError.value)] as [number, number]] : [];
      }),
    });
  }
  series.push({
    label: 'every update integrated',
    points: n.loads.flatMap((l) => (isEstimated(l.everyUpdate) ? [[l.durationS, Math.abs(l.everyUpdate.value)] as [number, number]] : [])),
  });
  series.push({
    label: 'corrected protocol',
    points: n.loads.flatMap((l) =>
      'residual' in l.corrected ? [[l.durationS, Math.abs(l.corrected.residual.value)] as [number, number]] : [],
    ),
  });
  const all = series.flatMap((s) => s.points).filter(([, e]) => e > 0);
  if (all.length === 0) return empty('naive', title, 'no naive-method error could be computed');
  const { x0, x1, y0, y1 } = inner(AREA);
  const x = autoScale(
    all.map((p) => p[0]),
    [x0, x1],
  );
  const y = autoScale([...all.map((p) => p[1]), study.settings.targetRelativeError], [y1, y0]);
  const target = leaf('line', {
    class: 'fit pooled',
    x1: x0,
    x2: x1,
    y1: y.map(study.settings.targetRelativeError),
    y2: y.map(study.settings.targetRelativeError),
    stroke: '#444',
  });
  const lines = series.map((s, i) => {
    const colour = SOURCE_COLOURS[i % SOURCE_COLOURS.length];
    const pts = s.points.filter(([, e]) => e > 0);
    return el(
      'g',
      { 'data-series': s.label },
      el('path', { class: 'fit', d: polyline(pts.map(([d, e]) => [x.map(d), y.map(e)])), stroke: colour }),
      ...pts.map(([d, e]) =>
        el(
          'circle',
          { class: 'pt', cx: x.map(d), cy: y.map(e), r: 3.5, fill: colour },
          tooltip(`${s.label}, ${d} s load: |error| ${(100 * e).toPrecision(3)} %`),
        ),
      ),
    );
  });
  const body = svg('naive', axes(AREA, x, y, { x: 'load length (s)', y: '|relative error| vs the counter' }), target, ...lines);
  return panel(
    'naive',
    title,
    `dashed: the target, ${100 * study.settings.targetRelativeError} %`,
    body,
    series.map((s, i) => swatch(SOURCE_COLOURS[i % SOURCE_COLOURS.length], s.label, 'line')),
  );
}

function channelsTable(study: SensorStudyResult): string {
  const head = [
    'channel',
    'method',
    'reads (failed)',
    'update period',
    'delay',
    'filter',
    'rise time',
    'idle',
    'gain',
    'sampled window',
    'sampled share',
    'shortest window',
  ];
  const rows = study.channels.map((c) => {
    const cells = [
      c.channel,
      c.method,
      `${c.reads} (${c.failedReads})`,
      shown(c.updatePeriod.period, ' ms', 1000),
      shown(c.stepResponse.delay, ' ms', 1000),
      c.stepResponse.filterShape ? `${c.stepResponse.filterShape} ${shown(c.stepResponse.filterWidth, ' ms', 1000)}` : '—',
      shown(c.stepResponse.riseTime, ' ms', 1000),
      shown(c.stepResponse.idle, ' W'),
      shown(c.stepResponse.gain, ' W'),
      'window' in c.partTime ? shown(c.partTime.window, ' ms', 1000) : `— (${c.partTime.why})`,
      'sampledFraction' in c.partTime ? shown(c.partTime.sampledFraction, ' %', 100) : '—',
      c.recommendation ? shown(c.recommendation.shortestWindow, ' s') : '—',
    ];
    return el('tr', {}, ...cells.map((cell) => el('td', {}, text(cell))));
  });
  return el(
    'div',
    { class: 'table-wrap' },
    el('table', {}, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, text(h))))), el('tbody', {}, ...rows)),
  );
}

function recommendationsTable(study: SensorStudyResult): string {
  const lengths = [...new Set(study.channels.flatMap((c) => c.recommendation?.repetitions.map((r) => r.durationS) ?? []))].sort(
    (a, b) => a - b,
  );
  const head = [
    'channel',
    `shortest window for ${100 * study.settings.targetRelativeError} %`,
    ...lengths.map((d) => `repetitions of a ${d} s load`),
  ];
  const rows = study.channels
    .filter((c) => c.recommendation)
    .map((c) => {
      const r = c.recommendation!;
      const cells = [
        c.channel,
        shown(r.shortestWindow, ' s'),
        ...lengths.map((d) => String(r.repetitions.find((x) => x.durationS === d)?.repetitions ?? '—')),
      ];
      return el('tr', {}, ...cells.map((cell) => el('td', {}, text(cell))));
    });
  return el('table', {}, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, text(h))))), el('tbody', {}, ...rows));
}

function referenceBody(study: SensorStudyResult): string {
  const r = study.reference;
  if (!('offset' in r))
    return el(
      'p',
      {},
      text(
        'No external meter was given (sensor-study --reference FILE): gains and offsets against the truth are not known; each source is compared with its own counter only.',
      ),
    );
  const head = ['channel', 'delay', 'gain', 'offset', 'energy error', 'residual'];
  const rows = r.channels.map((c) =>
    el(
      'tr',
      {},
      ...[
        c.channel,
        shown(c.delay, ' ms', 1000),
        shown(c.gain),
        shown(c.offset, ' W'),
        shown(c.relativeError, ' %', 100),
        c.residualRmsW === null ? '—' : `${c.residualRmsW.toPrecision(3)} W`,
      ].map((cell) => el('td', {}, text(cell))),
    ),
  );
  return (
    el(
      'p',
      {},
      text(
        `${r.file}: aligned by cross-correlation with the load pattern, offset ${shown(r.offset, ' s', 1, 6)}; the meter's idle ${shown(r.idle, ' W')}, gain ${shown(r.gain, ' W')} per unit of load.`,
      ),
    ) + el('table', {}, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, text(h))))), el('tbody', {}, ...rows))
  );
}

/** The sensor sections: summary, step responses, coverage, naive methods, recommendations, reference. */
export function sensorSections(study: SensorStudyResult, merged: SensorTrace): Section[] {
  const steps = merged.bursts.filter((b) => planOf(b.label) === 'step');
  const byId = new Map(merged.channels.map((c) => [c.id, c]));
  const power = study.channels.filter((c) => c.quantity === 'power');
  const notes = study.notes.length ? el('ul', {}, ...study.notes.map((n) => el('li', {}, text(n)))) : '';
  return [
    {
      id: 'sensors',
      title: 'Sensors',
      body:
        el(
          'p',
          { class: 'lead' },
          text(
            `Every channel read as fast as it answers while the study's own loads ran on the ${study.device} (${merged.bursts.length} bursts). Each figure is an estimate with its standard uncertainty; "—" says why one could not be made. Method: docs/sensors.md.`,
          ),
        ) +
        channelsTable(study) +
        notes,
    },
    {
      id: 'sensor-step',
      title: 'Step response',
      body: el(
        'div',
        { class: 'grid3' },
        ...(power.length
          ? power.map((c) => stepFigure(c, byId.get(c.channel), steps))
          : [empty('step', 'step response', "no power channel was read: the counters' step responses are in the table")]),
      ),
    },
    {
      id: 'sensor-coverage',
      title: 'Part-time sampling',
      body: el(
        'div',
        { class: 'grid3' },
        ...(power.length
          ? power.map(coverageFigure)
          : [empty('coverage', 'part-time coverage', 'no power channel was read: counters integrate, nothing is sampled part-time')]),
      ),
    },
    {
      id: 'sensor-naive',
      title: 'Naive methods',
      body: el(
        'div',
        { class: 'grid3' },
        ...(study.naive.length
          ? study.naive.map((n) => naiveFigure(study, n))
          : [empty('naive', 'naive methods', 'no source has both a power reading and an energy counter')]),
      ),
    },
    { id: 'sensor-advice', title: 'Recommendations', body: recommendationsTable(study) },
    { id: 'sensor-reference', title: 'Reference meter', body: referenceBody(study) },
  ];
}

/** The study's own page (sensor-study writes it as report.html). */
export function sensorStudyPage(study: SensorStudyResult, merged: SensorTrace): string {
  return page(
    'sedjoule sensor study',
    `${study.channels.length} channels on the ${study.device}; generated ${study.createdAt} by sedjoule ${packageVersion()}.`,
    sensorSections(study, merged),
    text(
      'Regenerate with: sedjoule sensor-study --out DIR. Raw readings: samples.csv; loads as run: loads.csv; every estimate: study.json.',
    ),
  );
}
