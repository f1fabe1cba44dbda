/** Listing a folder, or an error that names it (E_IO) instead of a bare "EACCES: ... scandir". */
import fs from 'node:fs';

import { SedjouleError } from '../errors.js';

export function readFolder(dir: string, what = 'folder'): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (error) {
    throw new SedjouleError('E_IO', `cannot list the ${what} ${dir}: ${(error as Error).message}`);
  }
}
