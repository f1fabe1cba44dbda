/** The package: the folder it is installed in, and its version from package.json. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root: the nearest folder above this module whose package.json names sedjoule. Found by
 * walking up rather than by a fixed '..', so the ES module build (dist/), the CommonJS bundle
 * (dist/cjs/) and the sources (src/, under vitest) all agree.
 */
export const packageRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sedjoule') return dir;
    if (path.dirname(dir) === dir) throw new Error(`sedjoule cannot find its own package.json above ${from}`);
  }
}

/** The package version, read from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
