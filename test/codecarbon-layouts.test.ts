/**
 * emissions.csv as CodeCarbon writes it: each layout's header against a real emissions.csv from
 * CodeCarbon's repository at that tag (test/fixtures/codecarbon/README.md), and CodeCarbon's
 * meanings (PUE multiplied into every energy, on_cloud N/Y, a UUID run_id); and the carbon-intensity
 * table behind --country.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { CODECARBON_LAYOUTS, emissionsCsv, emissionsRow, stableUuid, type EmissionsInput } from '../src/analysis/codecarbon.js';
import { carbonIntensityFor } from '../src/energy/carbon-intensity.js';
import { DEFAULT_CARBON_INTENSITY } from '../src/energy/carbon.js';
import { packageRoot } from '../src/version.js';

const fixtures = path.join(packageRoot, 'test', 'fixtures', 'codecarbon');
const header = (file: string) => fs.readFileSync(path.join(fixtures, file), 'utf8').split('\n')[0].trim().split(',');
const KWH = 3.6e6;

const input = (extra: Partial<EmissionsInput> = {}): EmissionsInput => ({
  timestamp: '2025-03-01T11:00:05.250Z',
  projectName: 'p',
  runId: stableUuid('k#r0/train'),
  experimentId: 'grid:1',
  durationS: 100,
  energyJ: { cpu: 0.2 * KWH, gpu: 0.3 * KWH },
  powerW: { cpu: 7200, gpu: 10800 },
  machine: { os: 'linux', cpuCount: 16, cpuModel: 'Test CPU', gpuCount: 1, gpuModel: '1 x Test GPU', ramTotalGB: 64 },
  trackingMode: 'machine',
  countryName: 'France',
  countryIsoCode: 'FRA',
  intensityGPerKWh: 100,
  pue: 1,
  ...extra,
});

const parse = (csv: string) => {
  const [head, ...lines] = csv.trim().split('\n');
  const cols = head.split(',');
  return { cols, rows: lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v]))) };
};

describe('CodeCarbon emissions.csv layouts', () => {
  it.each([
    ['2.1.4', 'emissions-v2.1.4.csv', 29],
    ['2.8', 'emissions-v2.8.5.csv', 32],
    ['3.x', 'emissions-v3.2.9.csv', 38],
  ] as const)('layout %s has exactly the columns of CodeCarbon’s own %s', (layout, file, n) => {
    expect([...CODECARBON_LAYOUTS[layout].columns]).toEqual(header(file));
    expect(header(file)).toHaveLength(n);
    const written = parse(emissionsCsv([emissionsRow(input(), layout)], layout));
    expect(written.cols).toEqual(header(file));
    expect(written.rows).toHaveLength(1);
  });

  it("PUE is multiplied into every energy column and the emissions, as CodeCarbon's _do_measurements does; power is not", () => {
    const row = parse(emissionsCsv([emissionsRow(input({ pue: 1.5 }), '2.8')], '2.8')).rows[0];
    expect(Number(row.cpu_energy)).toBeCloseTo(0.3, 12);
    expect(Number(row.gpu_energy)).toBeCloseTo(0.45, 12);
    expect(Number(row.energy_consumed)).toBeCloseTo(0.75, 12);
    expect(Number(row.emissions)).toBeCloseTo((0.75 * 100) / 1000, 12);
    expect(Number(row.emissions_rate)).toBeCloseTo((0.75 * 100) / 1000 / 100, 15);
    expect(Number(row.cpu_power)).toBe(7200);
    expect(row.pue).toBe('1.5');
  });

  it('2.1.4 has no PUE: a PUE other than 1 is refused rather than dropped', () => {
    expect(() => emissionsRow(input({ pue: 1.2 }), '2.1.4')).toThrow(/CodeCarbon 2\.1\.4 has no PUE/);
    expect(emissionsRow(input(), '2.1.4')).not.toHaveProperty('pue');
  });

  it('on_cloud N on private infrastructure, Y with the provider; country, region, timestamp and empty cells', () => {
    const row = parse(emissionsCsv([emissionsRow(input({ region: 'ile-de-france', energyJ: { gpu: KWH } }), '3.x')], '3.x')).rows[0];
    expect(row.on_cloud).toBe('N');
    expect([row.country_name, row.country_iso_code, row.region]).toEqual(['France', 'FRA', 'ile-de-france']);
    expect(row.timestamp).toBe('2025-03-01T11:00:05');
    expect(row.run_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Not measured: empty, never 0.
    expect(row.cpu_energy).toBe('');
    expect(row.ram_energy).toBe('');
    expect(Number(row.energy_consumed)).toBe(1);
    const cloud = emissionsRow(input({ onCloud: { provider: 'gcp', region: 'europe-west9' } }), '2.8');
    expect([cloud.on_cloud, cloud.cloud_provider, cloud.cloud_region]).toEqual(['Y', 'gcp', 'europe-west9']);
  });

  it('stable run ids: the same name gives the same UUID, another name another', () => {
    expect(stableUuid('a#r0/train')).toBe(stableUuid('a#r0/train'));
    expect(stableUuid('a#r0/train')).not.toBe(stableUuid('a#r0/test'));
  });
});

describe('carbon intensity by country', () => {
  it("France's grid from the shipped table, with its source, licence and year", () => {
    const fr = carbonIntensityFor({ country: 'fra' });
    expect(fr.countryName).toBe('France');
    expect(fr.gPerKWh).toBeLessThan(DEFAULT_CARBON_INTENSITY / 5);
    expect(fr.source).toMatch(/Our World in Data/);
    expect(fr.licence).toMatch(/CC BY 4\.0/);
    expect(fr.year).toBeGreaterThanOrEqual(2020);
  });

  it("regions as CodeCarbon has them: a US state, a Canadian province, a Nordic zone; elsewhere the country's", () => {
    const texas = carbonIntensityFor({ country: 'USA', region: 'TX' });
    // CodeCarbon's 2016 figure for Texas, 1049.527 lbs/MWh, at 0.00045359237 kg/kWh per lbs/MWh.
    expect(texas).toMatchObject({ regionName: 'texas', regional: true, year: 2016, gPerKWh: 476.057 });
    expect(texas.source).toMatch(/2016\/usa_emissions\.json/);
    expect(carbonIntensityFor({ country: 'USA', region: 'Texas' }).gPerKWh).toBe(476.057);
    expect(carbonIntensityFor({ country: 'CAN', region: 'quebec' }).gPerKWh).toBeLessThan(10);
    expect(carbonIntensityFor({ country: 'SWE', region: 'se3' })).toMatchObject({ gPerKWh: 18, regional: true });
    const paris = carbonIntensityFor({ country: 'FRA', region: 'ile-de-france' });
    expect(paris).toMatchObject({ regionName: 'ile-de-france', regional: false, gPerKWh: carbonIntensityFor({ country: 'FRA' }).gPerKWh });
    expect(() => carbonIntensityFor({ country: 'USA', region: 'Atlantis' })).toThrow(
      /--region "Atlantis": not a region of USA .*TX \(texas\)/,
    );
  });

  it('an unknown code is an error naming it, with close codes', () => {
    expect(() => carbonIntensityFor({ country: 'FRX' })).toThrow(/"FRX".*close: .*FRA/);
  });
});
