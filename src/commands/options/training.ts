import { SedjouleError } from '../errors.js';
import { PHASES, type Phase } from '../records/run-record.js';

/** "train,test,run" -> phases in that order; E_USAGE naming an unknown or repeated phase. */
export function parsePhases(text: string): Phase[] {
  const phases = text.split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of phases) if (!PHASES.includes(p as Phase)) throw new SedjouleError('E_USAGE', `unknown phase '${p}' (known: ${PHASES.join(', ')})`);
  if (new Set(phases).size !== phases.length) throw new SedjouleError('E_USAGE', `a phase is listed twice in '${text}'`);
  if (phases.length === 0) throw new SedjouleError('E_USAGE', 'name at least one phase: train, test, run');
  return phases as Phase[];
}
