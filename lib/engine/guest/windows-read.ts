import type { z } from 'zod';
import type { GuestSession } from './guest-transport.ts';
import { runPowerShellViaStdin } from './powershell-stdin.ts';
import { WindowsGuestError } from './windows-guest-errors.ts';

/**
 * Runs a read-only PowerShell script that prints one JSON line and checks
 * the answer against `schema` (it comes from the network): anything else is
 * WINDOWS_GUEST_ANSWER_INVALID naming the resource and what was wrong.
 */
export async function readWindowsJson<S extends z.ZodType>(
  session: GuestSession,
  script: string,
  schema: S,
  where: { readonly path: string; readonly guest: string },
): Promise<z.output<S>> {
  const result = await runPowerShellViaStdin(session, script, { label: `read of ${where.path}` });
  const line = result.stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  let json: unknown;
  try {
    json = JSON.parse(line ?? '');
  } catch {
    throw new WindowsGuestError(
      'WINDOWS_GUEST_ANSWER_INVALID',
      `${where.path}: ${where.guest} answered the read with ${line === undefined ? 'nothing' : 'a line that is not JSON'}`,
      'check that the guest runs Windows PowerShell 5.1 or newer as the SSH user, then deploy again',
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new WindowsGuestError(
      'WINDOWS_GUEST_ANSWER_INVALID',
      `${where.path}: ${where.guest} answered the read with JSON pvecdk does not expect (${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
        .join('; ')})`,
      'this is a bug in pvecdk or an unexpected Windows version; report it with the output of --debug',
    );
  return parsed.data;
}
