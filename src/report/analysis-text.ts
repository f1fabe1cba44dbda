/**
 * The text of an analysis (src/analysis/analyze.ts), as `sedjoule analyze` prints it and the demo
 * writes analysis.txt: tables per phase (correlations with energy, fits, efficiency), then the
 * train/test ratio, the repeats, and every phase left out for want of energy, with its reason.
 */
import type { AnalysisReport, GroupAnalysis } from '../analysis/analyze.js';
import { bracket, sig } from '../format/significant.js';
import { renderTable } from '../format/table.js';
import { PHASES } from '../records/run-record.js';

const reasonOf = (c: { value: number | null; reason?: string }) => (c.value === null ? (c.reason ?? '') : '');

function correlationTable(groups: GroupAnalysis[]): string {
  const rows: Array<Array<string | number>> = [];
  for (const g of groups) {
    for (const c of g.correlations) {
      const why = reasonOf(c.pearson) || reasonOf(c.spearman) || (c.pearson.interval ? '' : (c.pearson.intervalReason ?? ''));
      rows.push([
        g.family,
        c.label,
        c.n,
        c.excluded,
        sig(c.pearson.value),
        bracket(c.pearson.interval, 2),
        sig(c.spearman.value),
        bracket(c.spearman.interval, 2),
        why,
      ]);
    }
  }
  return renderTable(['family', 'energy vs', 'n', 'excl', 'pearson r', '95% CI', 'spearman rho', '95% CI', 'note'], rows, [
    false,
    false,
    true,
    true,
    true,
    false,
    true,
    false,
    false,
  ]);
}

function fitTable(groups: GroupAnalysis[]): string {
  const rows: Array<Array<string | number>> = [];
  for (const g of groups) {
    for (const f of g.fits) {
      for (const fit of [f.linear, f.logLog]) {
        const form = fit.kind === 'linear' ? 'E = a + b x' : 'ln E = a + b ln x';
        rows.push([
          g.family,
          f.label,
          form,
          fit.n,
          fit.dropped,
          sig(fit.intercept),
          sig(fit.interceptSE, 2),
          sig(fit.slope),
          sig(fit.slopeSE, 2),
          sig(fit.r2),
          fit.reason ?? fit.note ?? '',
        ]);
      }
    }
  }
  return renderTable(['family', 'x', 'fit', 'n', 'dropped', 'a', 'se(a)', 'b', 'se(b)', 'R^2', 'note'], rows, [
    false,
    false,
    false,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    false,
  ]);
}

function efficiencyTable(groups: GroupAnalysis[]): string {
  const ms = (s: { mean: number | null; sd: number | null }) =>
    s.mean === null ? '-' : s.sd === null ? sig(s.mean) : `${sig(s.mean)} ± ${sig(s.sd, 2)}`;
  return renderTable(
    ['family', 'points', 'with energy', 'J/sample', 'J/GFLOP', 'GFLOP/J'],
    groups.map((g) => [
      g.family,
      g.points,
      g.pointsWithEnergy,
      ms(g.efficiency.energyPerSampleJ),
      ms(g.efficiency.joulesPerGflop),
      ms(g.efficiency.gflopPerJoule),
    ]),
    [false, true, true, true, true, true],
  );
}

export function analysisText(report: AnalysisReport): string {
  const r = report;
  const out: string[] = [];
  const where = r.inputs.paths.length ? ` from ${r.inputs.paths.join(', ')}` : '';
  out.push(`${r.inputs.records} run records${where}${r.inputs.skipped.length ? `; ${r.inputs.skipped.length} files skipped` : ''}`);
  for (const s of r.inputs.skipped) out.push(`  skipped ${s.file}: ${s.reason}`);
  out.push(`energy: ${r.energy.basis}, devices ${r.energy.device}: ${r.energy.reason}`);
  out.push(`  methods used: ${r.energy.methods.join(', ') || 'none'}; sources: ${r.energy.sources.join(', ') || 'none'}`);
  out.push(
    `points: ${r.points === 'configs' ? 'one per configuration and phase (mean of its repeats)' : 'one per run'}; intervals: ${r.bootstrap.resamples} bootstrap resamples of the pairs, seed ${r.bootstrap.seed}, 95 % percentile`,
  );
  out.push(`machines: ${r.machines.join('; ')}`);
  for (const note of r.notes) out.push(`note: ${note}`);
  for (const phase of PHASES) {
    const groups = r.groups.filter((g) => g.phase === phase);
    if (!groups.length) continue;
    out.push('', `== ${phase} ==`, '', 'correlation of energy with each quantity', correlationTable(groups));
    out.push('', 'fits of energy (J) on FLOPs, parameters and bytes moved (log-log: b is the elasticity)', fitTable(groups));
    out.push('', 'efficiency (mean ± sd over points)', efficiencyTable(groups));
  }
  const tt = r.trainTest;
  if (tt.perConfig.length) {
    out.push('', `== train / test: energy per sample vs counted FLOPs per sample (the study assumed ${tt.assumed}x) ==`, '');
    out.push(
      renderTable(
        ['config', 'model', 'train J/sample', 'test J/sample', 'energy ratio', 'FLOP ratio', 'note'],
        tt.perConfig.map((c) => [
          c.configId,
          c.model,
          sig(c.trainEnergyPerSampleJ),
          sig(c.testEnergyPerSampleJ),
          sig(c.energyRatio),
          sig(c.flopsRatio),
          c.reason ?? '',
        ]),
        [false, false, true, true, true, true, false],
      ),
    );
    out.push('');
    const ms = (s: { mean: number | null; sd: number | null; n: number }) =>
      s.mean === null ? '-' : `${sig(s.mean)}${s.sd === null ? '' : ` ± ${sig(s.sd, 2)}`} (n ${s.n})`;
    out.push(
      renderTable(
        ['family', 'energy ratio', 'FLOP ratio', 'energy ratio / FLOP ratio'],
        tt.byFamily.map((f) => [f.family, ms(f.energyRatio), ms(f.flopsRatio), ms(f.energyOverFlopsRatio)]),
        [false, true, true, true],
      ),
    );
  }
  const repeated = r.repeats.filter((x) => x.runs > 1);
  out.push('', '== repeats ==', '');
  if (repeated.length) {
    out.push(
      renderTable(
        ['config', 'phase', 'runs', 'with energy', 'mean J', 'sd J', 'cv', 'mean J/sample', 'sd J/sample'],
        repeated.map((x) => [
          x.configId,
          x.phase,
          x.runs,
          x.energyJ.n,
          sig(x.energyJ.mean),
          sig(x.energyJ.sd),
          sig(x.coefficientOfVariation, 2),
          sig(x.energyPerSampleJ.mean),
          sig(x.energyPerSampleJ.sd),
        ]),
        [false, false, true, true, true, true, true, true, true],
      ),
    );
  } else {
    out.push('every configuration ran once: no spread over repeats');
  }
  out.push('', '== missing energy (left out, never counted as 0) ==', '');
  out.push(
    r.missing.length
      ? renderTable(
          ['run', 'phase', 'reason'],
          r.missing.map((m) => [m.key, m.phase, m.reason]),
        )
      : 'none',
  );
  if (r.flags.length)
    out.push(
      '',
      '== caveats ==',
      '',
      renderTable(
        ['run', 'phase', 'caveat'],
        r.flags.map((f) => [f.key, f.phase, f.flag]),
      ),
    );
  return out.join('\n');
}
