#!/usr/bin/env node
// The CommonJS face of the library, for `require('sedjoule')` on every Node the package supports
// (Node 20.17 and 20.18 cannot require an ES module without a flag): src/index.ts bundled by esbuild
// into dist/cjs/index.js, dependencies left as require() calls, import.meta.url given by the
// bundle's own file name. The ES module build's declarations are copied beside it, in a folder
// marked "type": "commonjs", so TypeScript reads them as CommonJS declarations.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const out = path.join(dist, 'cjs');

fs.rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, 'src', 'index.ts')],
  outfile: path.join(out, 'index.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  define: { 'import.meta.url': '__sedjouleModuleUrl' },
  banner: { js: "const __sedjouleModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

function copyDeclarations(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) {
      if (source !== out) copyDeclarations(source, path.join(to, entry.name));
    } else if (entry.name.endsWith('.d.ts')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, path.join(to, entry.name));
    }
  }
}
copyDeclarations(dist, out);
