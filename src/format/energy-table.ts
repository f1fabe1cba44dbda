/** Energy windows and probe reports as text: every figure with its source label and uncertainty. */
import type { ProbeReport, UpdatePeriod } from '../energy/probe.js';
import type { CarbonFigure, EnergyWindow, IdleBaseline, MeterDescription } from '../energy/types.js';
import { renderTable } from './table.js';

function joules(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined ? '-' : v.toFixed(digits);
}

function watts(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : v.toFixed(1);
}

export function describeSources(description: MeterDescription): string {
  const lines = description.sources.map(
    (s) =>
      `  ${s.id}: ${s.name} [${s.source}${s.additive ? '' : ', not added to totals'}], accuracy ${(100 * s.accuracyFraction).toFixed(0)} %`,
  );
  const d = description.discovery;
  lines.push(`  nvml: ${d.nvml.status}`, `  rapl: ${d.rapl.status}`);
  if (d.cpuModel.used) lines.push(`  cpu: modelled, because ${d.cpuModel.reason}`);
  return [`energy sources (sampling every ${(1000 * description.periodS).toFixed(0)} ms):`, ...lines].join('\n');
}

export function idleText(idle: IdleBaseline): string {
  const parts = idle.sources.map((s) =>
    s.powerW === null
      ? `${s.id} unavailable (${s.unavailable})`
      : `${s.id} ${s.powerW.toFixed(2)} ± ${(s.uncertaintyW ?? 0).toFixed(2)} W [${s.source}]`,
  );
  return `idle baseline over ${idle.durationS.toFixed(1)} s: ${parts.join('; ')}`;
}

/**
 * What a carbon figure is made of, when it is not a whole measurement: MODELLED when any part of its
 * energy is modelled, PARTIAL when sources are missing or the energy is a lower bound. Figures written
 * before these fields existed print as they did.
 */
export function carbonCaveats(c: CarbonFigure): string[] {
  const caveats: string[] = [];
  const methods = c.methods ?? [];
  if (c.modelled)
    caveats.push(
      methods.every((m) => m === 'modelled')
        ? 'MODELLED: an estimate, not a measurement'
        : `MODELLED in part: sums ${methods.join(' + ')}, measured and estimated`,
    );
  if (c.missing?.length) caveats.push(`PARTIAL: missing ${c.missing.map((m) => `${m.id} (${m.reason})`).join(', ')}`);
  else if (c.partial) caveats.push('PARTIAL: a lower bound (reads failed or counter steps were not counted)');
  return caveats;
}

export function carbonLine(c: CarbonFigure): string {
  const caveats = carbonCaveats(c);
  return `carbon${caveats.length ? ` [${caveats.join('; ')}]` : ''}: ${c.kWh.toExponential(3)} ± ${c.kWhUncertainty.toExponential(1)} kWh (${c.basis}) -> ${c.gCO2e.toFixed(4)} ± ${c.gCO2eUncertainty.toFixed(4)} gCO2e at ${c.intensityGPerKWh} g/kWh (${c.intensitySource})${c.pue ? `, PUE ${c.pue}` : ', no PUE'}`;
}

export function energyTable(window: EnergyWindow): string {
  const rows = window.sources.map((s) => [
    s.id,
    s.source,
    joules(s.joules),
    joules(s.uncertainty?.joules),
    joules(s.net?.joules),
    watts(s.meanPowerW),
    watts(s.maxPowerW),
    s.samples,
    s.joules === null ? `unavailable: ${s.unavailable}` : [s.additive ? '' : 'not added', s.flag ?? ''].filter(Boolean).join('; '),
  ]);
  const t = window.total;
  rows.push([
    'total',
    t.methods.join('+') || '-',
    joules(t.joules),
    joules(t.uncertaintyJ),
    joules(t.netJoules),
    '',
    '',
    '',
    t.missing.map((m) => `missing ${m.id}`).join('; '),
  ]);
  const lines = [
    `energy of '${window.name}' over ${window.durationS.toFixed(2)} s${window.synchronized ? ' (GPU synchronised at the edges)' : ''}:`,
    renderTable(['source', 'method', 'J', '± J', 'net J', 'mean W', 'max W', 'samples', 'note'], rows, [
      false,
      false,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
    ]),
  ];
  if (window.carbon) lines.push(carbonLine(window.carbon));
  return lines.join('\n');
}

function period(p: UpdatePeriod | string): string {
  if (typeof p === 'string') return p;
  return p.periodS === null
    ? `not measured (${p.note})`
    : `${(1000 * p.periodS).toFixed(1)} ms (min ${(1000 * (p.minS ?? 0)).toFixed(1)}, ${p.changes} changes in ${p.reads} reads)`;
}

export function probeText(report: ProbeReport): string {
  const lines: string[] = [];
  for (const s of report.sources) {
    lines.push(`${s.id}: ${s.name} [${s.source}]`);
    const supported = Object.entries(s.supports)
      .filter(([, v]) => v)
      .map(([k]) => k);
    lines.push(`  supports: ${supported.join(', ') || 'nothing'}`);
    for (const [k, v] of Object.entries(s.details)) lines.push(`  ${k}: ${v}`);
    lines.push(`  accuracy: ${(100 * s.accuracyFraction).toFixed(0)} % (${s.accuracySource})`);
    lines.push(`  energy counter update period: ${period(s.counterUpdate)}`);
    lines.push(`  power reading update period: ${period(s.powerUpdate)}`);
    lines.push(
      `  idle power: ${s.idle.powerW === null ? `unavailable (${s.idle.unavailable})` : `${s.idle.powerW.toFixed(2)} ± ${(s.idle.uncertaintyW ?? 0).toFixed(2)} W`}`,
    );
    if (s.busy) {
      const b = s.busy;
      const agreement =
        b.integratedPowerJ === undefined
          ? b.note
          : `counter ${joules(b.windowJ)} J vs integrated power ${b.integratedPowerJ.toFixed(2)} J (${b.powerSamples} samples): ${b.relativeDifference === null || b.relativeDifference === undefined ? '-' : `${(100 * b.relativeDifference).toFixed(1)} %`}`;
      const energy = b.windowJ === null && b.unavailable ? `energy unavailable: ${b.unavailable}` : `mean ${watts(b.meanPowerW)} W`;
      lines.push(`  busy ${b.durationS.toFixed(1)} s (load: ${b.load}): ${energy}; ${agreement}${b.flag ? ` (${b.flag})` : ''}`);
    }
  }
  const d = report.discovery;
  lines.push(`nvml: ${d.nvml.status}`);
  lines.push(`rapl: ${d.rapl.status}${d.rapl.skipped?.length ? ` (skipped: ${d.rapl.skipped.join('; ')})` : ''}`);
  if (d.cpuModel.used) lines.push(`cpu model: used (${d.cpuModel.reason})`);
  lines.push(
    `sampler overhead: ${(100 * report.overhead.fractionOfOneCore).toFixed(2)} % of one core at ${(1000 * report.settings.samplingPeriodS).toFixed(0)} ms`,
  );
  return lines.join('\n');
}
