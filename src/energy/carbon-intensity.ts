/**
 * The grid's carbon intensity by country (ISO 3166-1 alpha-3), from the table shipped with the
 * package (see carbon-intensity-table.ts for its source and licence). Every answer carries the
 * source, licence and year, so a carbon figure made from it can say where its intensity came from.
 * Regions (US states, Canadian provinces) are not in the table yet: a region is recorded in the
 * emissions row but does not change the intensity.
 */
import { SedjouleError } from '../errors.js';
import { CARBON_TABLE, CARBON_TABLE_SOURCE } from './carbon-intensity-table.js';

export interface CarbonIntensity {
  gPerKWh: number;
  source: string;
  licence: string;
  year: number;
  countryIsoCode: string;
  countryName: string;
  /** The region as given; the intensity is the country's (no regional data in the table). */
  regionName?: string;
}

/** Codes sharing the most letters in place with `code`, for the error's suggestions. */
function closeCodes(code: string): string[] {
  const score = (c: string) => [...c].filter((ch, i) => code[i] === ch).length;
  return Object.keys(CARBON_TABLE)
    .filter((c) => score(c) >= 2)
    .slice(0, 8);
}

export function carbonIntensityFor(where: { country: string; region?: string }): CarbonIntensity {
  const code = where.country.trim().toUpperCase();
  const entry = CARBON_TABLE[code];
  if (!entry) {
    const close = closeCodes(code);
    throw new SedjouleError(
      'E_VALUE',
      `--country ${JSON.stringify(where.country)}: not an ISO 3166-1 alpha-3 code in the carbon-intensity table` +
        (close.length ? ` (close: ${close.join(', ')})` : '') +
        '; pass --carbon-intensity <g/kWh> instead',
    );
  }
  const [countryName, gPerKWh, year] = entry;
  return {
    gPerKWh,
    ...CARBON_TABLE_SOURCE,
    year,
    countryIsoCode: code,
    countryName,
    ...(where.region ? { regionName: where.region } : {}),
  };
}

/** One line for reports: "56.039 gCO2e/kWh, France 2023, <source>, <licence>". */
export function describeCarbonIntensity(ci: CarbonIntensity): string {
  return `${ci.gPerKWh} gCO2e/kWh, ${ci.countryName} ${ci.year} (${ci.source}; licence ${ci.licence})`;
}
