import { mkdirSync } from 'node:fs';

/**
 * Makes `dir` and any missing parents with mode 0700: the state folder holds
 * secrets and what they protect. Folders that exist keep their mode (a shared
 * state folder may be meant for a group).
 */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
