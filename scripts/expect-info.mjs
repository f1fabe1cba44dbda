#!/usr/bin/env node
// Reads `sedjoule info --json` on stdin and fails (exit 1, saying what it got) unless the addon is as
// the flags say: --cuda-compiled true|false, and optionally --origin prebuilt|'local build'|SEDJOULE_ADDON.
// CI (.ci/run) and the package check (scripts/check-package.sh) state their expectations with it.
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { 'cuda-compiled': { type: 'string' }, origin: { type: 'string' } } });
const info = JSON.parse(await text(process.stdin));
const wrong = [];
if (values['cuda-compiled'] !== undefined && String(info.cuda.compiled) !== values['cuda-compiled']) {
  wrong.push(`expected cuda.compiled ${values['cuda-compiled']}, got ${info.cuda.compiled}`);
}
if (values.origin !== undefined && info.addon.origin !== values.origin) {
  wrong.push(`expected the ${values.origin} addon, got ${JSON.stringify(info.addon)}`);
}
if (wrong.length) {
  console.error(wrong.join('\n'));
  process.exit(1);
}
