import { parsePropertyString } from '../../../lib/engine/proxmox/property-string.ts';
import type { Live, Props, StepProof } from './coverage.ts';

/** Reading a VM's live config (as the VM handler reads it) in the tests' terms, and the steps that do. */

/** The main VM of the every-key VM table. */
export const MAIN = 2001;

/** A step (on the main VM, or `on`) whose `expect` reads the live config. */
export function step(
  set: (p: Props) => void,
  expectation: StepProof['expect'],
  more: Partial<StepProof> = {},
): StepProof {
  return { set, expect: expectation, ...more };
}

/** The options of a property-string config key (`scsi1`, `net0`, `efidisk0`), the volume as `file`. */
export function options(live: Live, key: string): Record<string, string> {
  const value = live[key];
  if (value === undefined) return {};
  const defaultKey = /^net\d+$/.test(key)
    ? undefined
    : key === 'agent'
      ? 'enabled'
      : key === 'vga'
        ? 'type'
        : key === 'cpu'
          ? 'cputype'
          : 'file';
  return Object.fromEntries(
    parsePropertyString(String(value), {
      ...(defaultKey ? { defaultKey } : {}),
      nicModels: /^net\d+$/.test(key),
    }),
  );
}
