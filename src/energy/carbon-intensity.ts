/**
 * The grid's carbon intensity by country (ISO 3166-1 alpha-3), from the table shipped with the
 * package (see carbon-intensity-table.ts for its source and licence). Every answer carries the
 * source, licence and year, so a carbon figure made from it can say where its intensity came from.
 * Regions, as CodeCarbon has them: US states, Canadian provinces, Swedish and Norwegian bidding
 * zones and Finland give their own intensity (by name or code, any case); an unknown region of
 * those countries is an error listing theirs. Elsewhere a region is recorded in the emissions row
 * and the intensity stays the country's, as CodeCarbon does.
 */
import { SedjouleError } from '../errors.js';
import { CARBON_REGIONS, CARBON_TABLE, CARBON_TABLE_SOURCE } from './carbon-intensity-table.js';

export interface CarbonIntensity {
  gPerKWh: number;
  source: string;
  licence: string;
  year: number;
  countryIsoCode: string;
  countryName: string;
  /** The region: its name in the table when it has its own intensity, else as given. */
  regionName?: string;
  /** True when the intensity is the region's own, false when it is the country's. */
  regional?: boolean;
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
  const country = { gPerKWh, ...CARBON_TABLE_SOURCE, year, countryIsoCode: code, countryName };
  const region = where.region?.trim();
  if (!region) return country;
  const table = CARBON_REGIONS[code];
  if (!table) return { ...country, regionName: region, regional: false };
  const wanted = region.toLowerCase();
  const found = table.regions.find(([name, regionCode]) => name.toLowerCase() === wanted || regionCode?.toLowerCase() === wanted);
  if (!found) {
    const known = table.regions.map(([name, regionCode]) => (regionCode ? `${regionCode} (${name})` : name));
    throw new SedjouleError(
      'E_VALUE',
      `--region ${JSON.stringify(region)}: not a region of ${code} in the carbon-intensity table; known: ${known.join(', ')}`,
    );
  }
  const [regionName, , regionG, regionYear] = found;
  return { ...country, gPerKWh: regionG, year: regionYear, source: table.source, licence: table.licence, regionName, regional: true };
}

/** One line for reports: "56.039 gCO2e/kWh, France 2023, <source>, <licence>". */
export function describeCarbonIntensity(ci: CarbonIntensity): string {
  const where = ci.regional ? `${ci.regionName}, ${ci.countryName}` : ci.countryName;
  return `${ci.gPerKWh} gCO2e/kWh, ${where} ${ci.year} (${ci.source}; licence ${ci.licence})`;
}
