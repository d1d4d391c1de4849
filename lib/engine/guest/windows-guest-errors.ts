import { defineErrorFamily } from '../../core/error-family.ts';

/**
 * Errors of the Windows guest handlers (RDS accounts and shortcuts): what a
 * guest answered and what a change left. Messages name the resource, the VM
 * and what differs: never a password or a script.
 */
export const WINDOWS_GUEST_ERROR_CODES = {
  WINDOWS_GUEST_ANSWER_INVALID:
    'a Windows guest answered a read with output pvecdk cannot parse (not the JSON its read script prints)',
  WINDOWS_GUEST_NOT_CONVERGED:
    'a change ran without error in a Windows guest, but reading the guest back shows it still differs from the plan',
} as const;

export class WindowsGuestError extends defineErrorFamily('Windows guests', WINDOWS_GUEST_ERROR_CODES, {
  whileRunning: ['WINDOWS_GUEST_ANSWER_INVALID', 'WINDOWS_GUEST_NOT_CONVERGED'],
}) {}
