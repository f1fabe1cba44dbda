/**
 * The scatter panels of the report: energy against counted FLOPs, parameters and mean GPU
 * utilisation, one panel per phase, with the analysis's log-log fits. Each panel is labelled with
 * the energy's basis and methods (MODELLED in the title when modelled figures are shown) and, when
 * it has nothing to plot, says why.
 */
import type { AnalysisReport } from '../analysis/analyze.js';
import type { Variable } from '../analysis/analyze.js';
import { bracket, sig } from '../format/significant.js';
import { PHASES, type Phase, type RunRecord } from '../records/run-record.js';
import { energyLabel } from './energy-label.js';
import type { EnergyPoint } from './energy-points.js';
import { exact } from './numbers.js';
import type { ScatterFit, ScatterPanel } from './scatter.js';

export interface PanelVariable {
  key: Extract<Variable, 'flops' | 'params' | 'gpuUtilPct'>;
  label: string;
  /** Short name for ids and CSS. */
  id: string;
  unit: string;
}

export const PANEL_VARIABLES: PanelVariable[] = [
  { key: 'flops', id: 'flops', label: 'counted FLOPs', unit: 'FLOP' },
  { key: 'params', id: 'params', label: 'parameters', unit: '' },
  { key: 'gpuUtilPct', id: 'gpu-util', label: 'mean GPU utilisation (%)', unit: '%' },
];

function xOf(point: EnergyPoint, key: PanelVariable['key']): number | null {
  return key === 'gpuUtilPct' ? point.gpuUtilPct : point[key];
}

/** Why no point has a GPU utilisation: no GPU source at all (CPU-only), or none in this phase. */
function noUtilisation(records: RunRecord[], phase: Phase): string {
  if (records.every((r) => !r.energy)) return 'no GPU utilisation: energy and utilisation were not measured in these runs (--no-energy)';
  const gpu = records.some((r) => r.energy?.meter.sources.some((s) => s.device === 'gpu'));
  if (!gpu) return 'no GPU utilisation: CPU-only runs (no GPU energy source was found, so there is no utilisation to plot)';
  return `no GPU utilisation readings in the ${phase} windows`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function energyPanels(analysis: AnalysisReport, points: EnergyPoint[], records: RunRecord[]): ScatterPanel[] {
  const panels: ScatterPanel[] = [];
  const unit = analysis.points === 'runs' ? 'run' : 'configuration';
  for (const variable of PANEL_VARIABLES) {
    for (const phase of PHASES) {
      const inPhase = points.filter((p) => p.phase === phase);
      const withEnergy = inPhase.filter((p) => p.energyJ !== null);
      const plotted = withEnergy.filter((p) => xOf(p, variable.key) !== null);
      // The methods behind the figures drawn; a panel with none drawn names the report's.
      const methods = plotted.length ? [...new Set(plotted.flatMap((p) => p.methods))] : analysis.energy.methods;
      const label = energyLabel(analysis.energy, methods);
      const panel: ScatterPanel = {
        id: `scatter-${phase}-${variable.id}`,
        title: `${phase}: ${label.adjective} energy vs ${variable.label}`,
        subtitle: label.detail,
        xLabel: variable.label,
        yLabel: label.axis,
        points: [],
        fits: [],
        notes: [],
      };
      panels.push(panel);
      if (inPhase.length === 0) {
        panel.empty = `no ${phase} phase in these runs`;
        continue;
      }
      if (withEnergy.length === 0) {
        panel.empty = `no ${phase} energy under this selection (${plural(inPhase.length, unit)}, every one missing); first reason: ${inPhase[0].missing ?? 'no energy'}`;
        continue;
      }
      if (plotted.length === 0) {
        panel.empty = variable.key === 'gpuUtilPct' ? noUtilisation(records, phase) : `no ${variable.label} values in the ${phase} phase`;
        continue;
      }
      panel.points = plotted.map((p) => {
        const x = xOf(p, variable.key)!;
        return {
          family: p.family,
          x,
          y: p.energyJ!,
          yError: p.uncertaintyJ,
          tooltip: [
            `${p.id} · ${p.model}`,
            `family ${p.family}, ${phase} phase`,
            `${variable.label}: ${exact(x)}`,
            `${label.adjective} energy: ${exact(p.energyJ)} J ± ${exact(p.uncertaintyJ)} J (${p.methods.join(' + ')}; ${p.sources.join(', ')})`,
            p.runs.length > 1 ? `mean of ${p.runs.length} runs: ${p.runs.join(', ')}` : `run ${p.runs[0]}`,
          ],
        };
      });
      if (variable.key !== 'gpuUtilPct') {
        for (const group of analysis.groups.filter((g) => g.phase === phase)) {
          const fit = group.fits.find((f) => f.variable === variable.key);
          if (fit) panel.fits.push({ family: group.family, fit: fit.logLog } satisfies ScatterFit);
        }
      } else {
        panel.notes.push('No fit line: the analysis fits energy on FLOPs, parameters and bytes moved, not on utilisation.');
      }
      const pooled = analysis.groups
        .find((g) => g.phase === phase && g.family === 'all')
        ?.correlations.find((c) => c.variable === variable.key);
      if (pooled) {
        panel.notes.push(
          `All families: Pearson r ${sig(pooled.pearson.value)} ${bracket(pooled.pearson.interval, 2)}, Spearman rho ${sig(pooled.spearman.value)} ${bracket(pooled.spearman.interval, 2)} (n ${pooled.n})${pooled.pearson.value === null && pooled.pearson.reason ? `: ${pooled.pearson.reason}` : ''}.`,
        );
      }
      const noEnergy = inPhase.length - withEnergy.length;
      if (noEnergy)
        panel.notes.push(
          `${plural(noEnergy, unit)} without ${phase} energy left out (missing, with the reason, in the runs table; never plotted as 0).`,
        );
      const noX = withEnergy.length - plotted.length;
      if (noX) panel.notes.push(`${plural(noX, unit)} without ${variable.label} left out.`);
      if (plotted.some((p) => p.energyJ! <= 0))
        panel.notes.push("Linear energy axis: some net energies are at or below zero (idle power above the phase's mean).");
      if (plotted.some((p) => xOf(p, variable.key)! <= 0)) panel.notes.push(`Linear x axis: some ${variable.label} values are zero.`);
    }
  }
  return panels;
}
