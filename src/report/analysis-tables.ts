/**
 * The analysis's numbers beside the plots, as HTML tables: per family and phase the correlations
 * of energy with FLOPs, parameters and GPU utilisation and the log-log fits the plots draw; the
 * train/test energy ratio beside the counted FLOP ratio; and the phases missing energy, with why.
 */
import type { AnalysisReport } from '../analysis/analyze.js';
import { bracket, sig } from '../format/significant.js';
import { el, text } from './markup.js';

function table(headers: string[], rows: Array<Array<string | number>>, numeric: boolean[] = [], id?: string): string {
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { id },
      el('thead', {}, el('tr', {}, ...headers.map((h, i) => el('th', { class: numeric[i] ? 'num' : undefined }, text(h))))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => el('td', { class: numeric[i] ? 'num' : undefined }, text(c)))))),
    ),
  );
}

function withInterval(value: { value: number | null; interval: { lo: number; hi: number } | null }): string {
  return value.value === null ? '-' : `${sig(value.value)} ${bracket(value.interval, 2)}`;
}

export function fitsTable(analysis: AnalysisReport): string {
  const rows: Array<Array<string | number>> = [];
  for (const g of analysis.groups) {
    for (const variable of ['flops', 'params', 'gpuUtilPct'] as const) {
      const c = g.correlations.find((x) => x.variable === variable);
      const f = g.fits.find((x) => x.variable === variable);
      // Utilisation rows of runs without a GPU source say nothing (the panels already say why).
      if (!c || (variable === 'gpuUtilPct' && c.n === 0)) continue;
      const fit = f?.logLog;
      const slope = fit
        ? fit.slope === null
          ? `- (${fit.reason ?? 'no fit'})`
          : `${sig(fit.slope)}${fit.slopeSE === null ? '' : ` ± ${sig(fit.slopeSE, 2)}`}`
        : 'not fitted';
      rows.push([
        g.phase,
        g.family,
        c.label,
        c.n,
        withInterval(c.pearson),
        withInterval(c.spearman),
        slope,
        fit ? sig(fit.r2) : '-',
        c.pearson.value === null ? (c.pearson.reason ?? '') : '',
      ]);
    }
  }
  return table(
    ['phase', 'family', 'energy vs', 'n', 'Pearson r [95% CI]', 'Spearman rho [95% CI]', 'log-log slope ± se', 'R²', 'note'],
    rows,
    [false, false, false, true, true, true, true, true, false],
    'fits',
  );
}

export function trainTestTable(analysis: AnalysisReport): string {
  const tt = analysis.trainTest;
  if (!tt.perConfig.length) return el('p', { class: 'muted' }, text('No configuration ran both a train and a test phase.'));
  const rows = tt.perConfig.map((c) => [
    c.configId,
    c.model,
    sig(c.trainEnergyPerSampleJ),
    sig(c.testEnergyPerSampleJ),
    sig(c.energyRatio),
    sig(c.flopsRatio),
    c.reason ?? '',
  ]);
  return (
    el('p', { class: 'muted' }, text(`${tt.note}.`)) +
    table(
      ['configuration', 'model', 'train J/sample', 'test J/sample', 'energy ratio', `counted FLOP ratio (assumed ${tt.assumed})`, 'note'],
      rows,
      [false, false, true, true, true, true, false],
    )
  );
}

export function missingTable(analysis: AnalysisReport): string {
  if (!analysis.missing.length) return el('p', {}, text('Every phase that ran has an energy figure under this selection.'));
  return table(
    ['run', 'phase', 'reason'],
    analysis.missing.map((m) => [m.key, m.phase, m.reason]),
  );
}

export function caveatsTable(analysis: AnalysisReport): string {
  if (!analysis.flags.length) return '';
  return el(
    'details',
    {},
    el('summary', {}, text(`${analysis.flags.length} caveats on figures that are kept (short windows, failed reads, resumed runs)`)),
    table(
      ['run', 'phase', 'caveat'],
      analysis.flags.map((f) => [f.key, f.phase, f.flag]),
    ),
  );
}
