import { join } from 'node:path';
import type { ProjectConfig } from './config.ts';

/** Whether a remote is configured (cdk.json or PVECDK_URL); otherwise the embedded emulator serves it. */
export function isRemoteConfigured(config: ProjectConfig, name: string): boolean {
  return Boolean(config.remotes[name] ?? process.env.PVECDK_URL);
}

/**
 * Where state and secrets of a remote live: under cdk.json's stateDir for a
 * real remote, inside the emulator's own folder for the embedded one (its
 * state must not outlive a reset of the emulator, nor mix with a real one).
 */
export function stateDirFor(config: ProjectConfig, name: string, cwd: string): string {
  return isRemoteConfigured(config, name) ? join(cwd, config.stateDir) : join(cwd, config.stateDir, 'sim');
}
