/** train writes CodeCarbon's emissions.csv with --emissions: node dist/cli.js, as a user runs it. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { CODECARBON_LAYOUTS } from '../src/analysis/codecarbon.js';
import { carbonIntensityFor } from '../src/energy/carbon-intensity.js';
import { packageRoot } from '../src/version.js';

const cli = path.join(packageRoot, 'dist', 'cli.js');

describe('sedjoule train --emissions', () => {
  it('writes one CodeCarbon row per phase, in the layout asked, with the country’s intensity', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sedjoule-emissions-')), 'emissions.csv');
    const args = ['train', '--data', 'random', '--arch', 'mlp', '--layers', '1', '--width', '8', '--epochs', '1', '--clips', '16'];
    const more = [
      '--test-clips',
      '8',
      '--idle',
      '0',
      '--emissions',
      file,
      '--codecarbon-layout',
      '3.x',
      '--country',
      'FRA',
      '--pue',
      '1.2',
    ];
    const r = spawnSync(process.execPath, [cli, ...args, ...more], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${file}`);
    const [head, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(head.split(',')).toEqual([...CODECARBON_LAYOUTS['3.x'].columns]);
    expect(lines).toHaveLength(2);
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [head.split(',')[i], v])));
    const fra = carbonIntensityFor({ country: 'FRA' }).gPerKWh;
    for (const row of rows) {
      expect([row.country_iso_code, row.country_name, row.on_cloud, row.pue]).toEqual(['FRA', 'France', 'N', '1.2']);
      // Whatever the machine could measure, the emissions follow from the energy and France's grid.
      if (row.energy_consumed !== '') expect(Number(row.emissions)).toBeCloseTo((Number(row.energy_consumed) * fra) / 1000, 12);
    }
    const bad = spawnSync(process.execPath, [cli, ...args, '--emissions', file, '--country', 'XXZ'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/"XXZ": not an ISO 3166-1 alpha-3 code/);
  });
});
