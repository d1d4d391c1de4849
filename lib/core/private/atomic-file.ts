import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a file through a temporary file in the same folder, fsync and
 * rename, so a crash leaves the old file or the new one, never half of one.
 */
export function writeFileAtomic(
  file: string,
  data: string,
  mode = 0o644,
  options: {
    /**
     * Flush the data to disk before the rename. Off only for output a command remakes (the plans of
     * cdk.out): the rename still keeps a reader from seeing half a file, and a power loss can at worst
     * leave a plan the plan loader refuses, which the next synth replaces.
     * @default true
     */
    readonly durable?: boolean;
  } = {},
): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  // Created anew: a temporary file a crash left behind would keep its own mode through open.
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, data);
    if (options.durable !== false) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
