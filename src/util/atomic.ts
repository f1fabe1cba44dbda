/** Files written atomically: a temporary file beside the target, flushed, then renamed over it. */
import crypto from 'node:crypto';
import fs from 'node:fs';

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const temp = `${target}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, target);
}

export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, `${JSON.stringify(value, null, 1)}\n`);
}
