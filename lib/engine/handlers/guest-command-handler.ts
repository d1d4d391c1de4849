import { guestCommandType } from '../../contract/types/guest.ts';
import type { ExecResult } from '../../ssh/exec-command.ts';
import { EngineError } from '../engine-errors.ts';
import { describeGuestVm, type PlanGuestTarget } from '../guest/guest-address.ts';
import type { GuestSession } from '../guest/guest-transport.ts';
import { dialectOf, GUEST_TARGET_HOOKS, guestSession, targetUnresolved, vmRunning } from './guest-support.ts';
import {
  CREATE,
  defineHandler,
  NO_CHANGE,
  type Observed,
  type PropertyChange,
  propertyChange,
  updateOrNoOp,
} from './handler.ts';
import { atResource } from './handler-errors.ts';

const PASSES = 'exits 0';
/** Labels of what runs in the guest (errors show them after the resource path and endpoint). */
export const CHECK_LABEL = 'run the check';

/** Runs a script in the guest's dialect; a non-zero exit is returned, not thrown, when `allowFailure`. */
function run(
  session: GuestSession,
  target: PlanGuestTarget,
  script: string,
  label: string,
  allowFailure: boolean,
): Promise<ExecResult> {
  return session.exec(dialectOf(target.dialect).command(script), { label, allowFailure });
}

const checkOutcome = (r: ExecResult) =>
  r.code === 0 ? PASSES : `exits ${r.code ?? r.signal ?? 'without status'}`;

/** What differs in `triggers` from what the last successful run recorded. */
function triggerChanges(
  now: Readonly<Record<string, string>> | undefined,
  before: Readonly<Record<string, string>> | undefined,
): PropertyChange[] {
  const keys = [...new Set([...Object.keys(now ?? {}), ...Object.keys(before ?? {})])].sort();
  return keys
    .filter((k) => now?.[k] !== before?.[k])
    .map((k) => propertyChange(`triggers.${k}`, before?.[k] ?? null, now?.[k] ?? null));
}

/**
 * `pvecdk_guest_command`: a command that converges a guest. It runs when its
 * `check` fails (read runs the check in the guest, so drift made by hand shows
 * in diff), when a value of `triggers` changed since the last successful run
 * (state records them), and once at first; without a check, a command that
 * succeeded once runs again only when its triggers or its text change.
 * Deleting it leaves the guest as it is (a command cannot be undone) and says so.
 */
export const guestCommandHandler = defineHandler({
  contract: guestCommandType,
  ...GUEST_TARGET_HOOKS,

  async read(ctx, r): Promise<Observed | undefined> {
    const { target, check } = r.props;
    if (targetUnresolved(target) || !vmRunning(ctx, target)) return undefined;
    if (check === undefined) return { attributes: { guest: target }, live: {} };
    try {
      const session = await guestSession(ctx, r.path, target);
      const result = await run(session, target, check, CHECK_LABEL, true);
      return { attributes: { guest: target }, live: { check: checkOutcome(result) } };
    } catch (e) {
      throw atResource(r.path, e);
    }
  },

  diff(r, observed, previous) {
    const triggers = previous ? triggerChanges(r.props.triggers, previous.triggers) : [];
    const checked = observed?.live.check as string | undefined;
    if (!previous) {
      // Never ran to success here: it runs, unless its check says the guest is already as wanted.
      return checked === PASSES ? NO_CHANGE : CREATE;
    }
    const changes: PropertyChange[] = [...triggers];
    if (checked !== undefined && checked !== PASSES) changes.push(propertyChange('check', checked, PASSES));
    if (r.props.check === undefined && previous.command !== r.props.command)
      changes.push(propertyChange('command', previous.command, r.props.command));
    return updateOrNoOp(changes);
  },

  async apply(ctx, r, change) {
    const { target, command, check } = r.props;
    try {
      const session = await guestSession(ctx, r.path, target);
      const forced = change.changes.some((c) => c.key.startsWith('triggers.') || c.key === 'command');
      // Checked again right before: a retry after a dropped connection finds the work already done.
      const done =
        !forced && check !== undefined && (await run(session, target, check, CHECK_LABEL, true)).code === 0;
      if (!done) {
        await run(session, target, command, 'run the command', false);
        if (check !== undefined) {
          const after = await run(session, target, check, CHECK_LABEL, true);
          if (after.code !== 0)
            throw new EngineError(
              'ENGINE_CANNOT_APPLY',
              `${r.path}: the command ran without error on ${describeGuestVm(target)}, but its check still ${checkOutcome(after)}`,
              'the command does not bring the guest to what the check tests: fix one of them, then deploy again',
            );
        }
      }
    } catch (e) {
      throw atResource(r.path, e);
    }
    return { guest: target };
  },

  async delete(ctx, applied) {
    const target = applied.attributes.guest as PlanGuestTarget | undefined;
    ctx.notify?.(
      `${applied.path}: removed from the plan; what its command did inside ${target ? describeGuestVm(target) : 'the guest'} stays (a command cannot be undone): undo it with another command if needed`,
    );
  },
});
