/**
 * emissions.csv of a measured command, with CodeCarbon's meanings (analysis/codecarbon.ts): one row
 * for the whole command (`run`) and one per marker window, each the gross energy of every device
 * (CodeCarbon subtracts no idle power), from the measured sources when any window has one, else the
 * modelled CPU. Each row has its own run_id, a random UUID as CodeCarbon's; they share one
 * experiment_id, this measurement's; project_name is the given name, followed by ':' and the
 * window's name for a marker window, which is how the rows are told apart. The timestamp is when the
 * window ended, in UTC.
 */
import { randomUUID } from 'node:crypto';

import { devicesOf, emissionsCsv, emissionsRow, machineOf, type CodeCarbonRow } from '../analysis/codecarbon.js';
import { chooseSelection, windowEnergy } from '../analysis/energy-selection.js';
import type { EmissionsSettings } from '../analysis/record-emissions.js';
import type { EnergyWindow } from '../energy/types.js';
import type { Provenance } from '../records/run-record.js';

/** What the rows are made of: the windows, `run` the whole command's, begun at `startedAt`. */
export interface MeasuredWindows {
  windows: EnergyWindow[];
  run: string;
  startedAt: string;
  provenance: Provenance;
}

export function measureEmissionsRows(measured: MeasuredWindows, settings: EmissionsSettings): CodeCarbonRow[] {
  const { windows, run } = measured;
  const { selection } = chooseSelection(windows, { basis: 'gross', device: 'all' });
  const started = Date.parse(measured.startedAt);
  const runWindow = windows.find((w) => w.name === run);
  const experimentId = randomUUID();
  return [...windows]
    .sort((a, b) => a.startS - b.startS)
    .map((w) => {
      const energy = windowEnergy([w], selection);
      // Windows are timed on the meter's clock; `run` began at startedAt.
      const ended = new Date(started + (w.endS - (runWindow?.startS ?? w.startS)) * 1000);
      return emissionsRow(
        {
          timestamp: ended,
          projectName: w.name === run ? settings.projectName : `${settings.projectName}:${w.name}`,
          runId: randomUUID(),
          experimentId,
          durationS: w.durationS,
          ...devicesOf(energy),
          machine: machineOf(measured.provenance),
          // The GPUs and RAPL zones are whole devices, as CodeCarbon's default mode.
          trackingMode: 'machine',
          countryName: settings.countryName,
          countryIsoCode: settings.countryIsoCode,
          region: settings.region,
          intensityGPerKWh: settings.intensityGPerKWh,
          pue: settings.pue,
        },
        settings.layout,
      );
    });
}

export function measureEmissionsCsv(measured: MeasuredWindows, settings: EmissionsSettings): string {
  return emissionsCsv(measureEmissionsRows(measured, settings), settings.layout);
}
