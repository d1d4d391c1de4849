import { defineErrorFamily } from '../core/error-family.ts';

/**
 * Errors of the emulator as a program (`pvecdk sim`): what its operator must
 * fix. What the emulated Proxmox answers its clients is not here: that is
 * Proxmox's own error text, in HTTP answers and task logs (see sim-error.ts).
 */
export const EMULATOR_ERROR_CODES = {
  EMULATOR_USAGE:
    'an option of pvecdk sim is invalid (a number below its minimum, a fault plan that is not JSON)',
  EMULATOR_STATE:
    "the emulator's saved state cannot be read (a version it does not know, a malformed token.cfg line)",
  EMULATOR_BUSY: 'another emulator process serves the data dir (one emulator per data dir)',
  EMULATOR_START:
    'the background emulator of a data dir did not start, answer or stop in time; its log is named',
  EMULATOR_GUEST:
    'an emulated guest failed to boot or did not answer SSH in time; its VM and the reason are named',
  EMULATOR_HOST_KEY:
    'a generated ed25519 key did not parse back with ssh2 (a pvecdk bug; never handed to a guest)',
} as const;

export type EmulatorErrorCode = keyof typeof EMULATOR_ERROR_CODES;

export class EmulatorError extends defineErrorFamily('Emulator', EMULATOR_ERROR_CODES, {
  // Running again may get past a background emulator that was slow to start or stop.
  whileRunning: ['EMULATOR_START', 'EMULATOR_GUEST', 'EMULATOR_HOST_KEY'],
}) {}
