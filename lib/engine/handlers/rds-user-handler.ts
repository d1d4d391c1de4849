import type { PlanSecret } from '../../contract/plan-values.ts';
import { rdsUserType } from '../../contract/types/guest.ts';
import { EngineError } from '../engine-errors.ts';
import { describeGuestVm, type PlanGuestTarget } from '../guest/guest-address.ts';
import type { GuestSession } from '../guest/guest-transport.ts';
import { runPowerShellViaStdin } from '../guest/powershell-stdin.ts';
import { renderRdsUserReadScript, renderRdsUserRetireScript } from '../guest/rds-guest-scripts.ts';
import { type RdsUserLive, RdsUserReadSchema, rdsUserChanges } from '../guest/rds-user-observed.ts';
import { WindowsGuestError } from '../guest/windows-guest-errors.ts';
import { readWindowsJson } from '../guest/windows-read.ts';
import { GUEST_TARGET_HOOKS, guestSession, targetUnresolved, vmExists, vmRunning } from './guest-support.ts';
import { CREATE, defineHandler, type HandlerContext, type Observed, updateOrNoOp } from './handler.ts';
import { atResource } from './handler-errors.ts';

/** The environment variable the converge script reads the initial password from (sent on stdin). */
const PASSWORD_VARIABLE = 'PVECDK_PASSWORD';

interface UserProps {
  readonly target: PlanGuestTarget;
  readonly user_name: string;
  readonly groups: readonly string[];
}

async function readAccount(
  session: GuestSession,
  path: string,
  props: UserProps,
): Promise<RdsUserLive | undefined> {
  const live = await readWindowsJson(
    session,
    renderRdsUserReadScript({ userName: props.user_name, groups: props.groups }),
    RdsUserReadSchema,
    { path, guest: describeGuestVm(props.target) },
  );
  return live.exists ? live : undefined;
}

function initialPassword(ctx: HandlerContext, path: string, ref: PlanSecret): string {
  if (!ctx.secrets)
    throw new EngineError(
      'ENGINE_NO_SECRET_STORE',
      `${path}: the new account's initial password is the secret ${ref.secret}, and this run has no secret store to read it from`,
      'deploy with the CLI, which opens the secret store',
    );
  try {
    return ctx.secrets.resolve(ref.secret);
  } catch (e) {
    throw atResource(`${path}: password`, e);
  }
}

/**
 * `pvecdk_rds_user`: a local account on the Windows RDS host and its tenant
 * fence. Read runs a read-only script (account, groups, the account's fence
 * rules) so a change made by hand shows in diff at property level; apply runs
 * the plan's converge script, sending the initial password on stdin only when
 * the account does not exist yet (an existing account's password is never
 * reset), then reads the guest back and fails, naming what still differs,
 * unless it matches. Deleting disables the account and removes its fence rules
 * and folders; its profile (the user's files) and the account itself are
 * deleted only with --allow-destroy-data.
 */
export const rdsUserHandler = defineHandler({
  contract: rdsUserType,
  ...GUEST_TARGET_HOOKS,

  async read(ctx, r): Promise<Observed | undefined> {
    const { target } = r.props;
    if (targetUnresolved(target) || !vmRunning(ctx, target)) return undefined;
    try {
      const session = await guestSession(ctx, r.path, target);
      const live = await readAccount(session, r.path, r.props);
      return live ? { attributes: { guest: target, sid: live.sid }, live: { ...live } } : undefined;
    } catch (e) {
      throw atResource(r.path, e);
    }
  },

  diff(r, observed) {
    if (!observed) return CREATE;
    return updateOrNoOp(rdsUserChanges(r.props, observed.live as unknown as RdsUserLive));
  },

  async apply(ctx, r, change) {
    const { target } = r.props;
    const guest = describeGuestVm(target);
    try {
      const session = await guestSession(ctx, r.path, target);
      // Read again right before: a retry after a dropped connection must not create twice.
      const before = change.action === 'create' ? await readAccount(session, r.path, r.props) : undefined;
      const creating = change.action === 'create' && before === undefined;
      const env: Record<string, string> = creating
        ? { [PASSWORD_VARIABLE]: initialPassword(ctx, r.path, r.props.password) }
        : {};
      await runPowerShellViaStdin(session, r.props.script, { label: `${r.path}: converge the account`, env });
      const after = await readAccount(session, r.path, r.props);
      const left = after ? rdsUserChanges(r.props, after) : undefined;
      if (!after || left!.length)
        throw new WindowsGuestError(
          'WINDOWS_GUEST_NOT_CONVERGED',
          `the account script ran on ${guest}, but ${
            after
              ? `these still differ: ${left!.map((c) => c.key).join(', ')}`
              : `account ${r.props.user_name} is not there`
          }`,
          'run the deploy again; if it persists, look at the account and its firewall rules on the RDS host',
        );
      return { guest: target, sid: after.sid };
    } catch (e) {
      throw atResource(r.path, e);
    }
  },

  async verify(ctx, r) {
    const session = await guestSession(ctx, r.path, r.props.target);
    const live = await readAccount(session, r.path, r.props);
    const left = live ? rdsUserChanges(r.props, live) : undefined;
    if (!live || left!.length)
      throw new WindowsGuestError(
        'WINDOWS_GUEST_NOT_CONVERGED',
        `${r.path}: after the change, ${live ? `these still differ: ${left!.map((c) => c.key).join(', ')}` : 'the account is not there'}`,
        'run the deploy again; if it persists, look at the account and its firewall rules on the RDS host',
      );
  },

  async delete(ctx, applied) {
    const target = applied.attributes.guest as PlanGuestTarget | undefined;
    const userName = String(applied.properties.user_name);
    if (!target || !vmExists(ctx, target)) {
      ctx.notify?.(`${applied.path}: the RDS host is gone, and account ${userName} with it`);
      return;
    }
    const folders = Array.isArray(applied.properties.folders) ? applied.properties.folders.map(String) : [];
    const deleteAccount = ctx.allowDestroyData === true;
    try {
      const session = await guestSession(ctx, applied.path, target);
      await runPowerShellViaStdin(session, renderRdsUserRetireScript({ userName, folders, deleteAccount }), {
        label: `${applied.path}: retire the account`,
      });
    } catch (e) {
      throw atResource(applied.path, e);
    }
    ctx.notify?.(
      deleteAccount
        ? `${applied.path}: account ${userName} and its profile deleted from ${describeGuestVm(target)}`
        : `${applied.path}: account ${userName} disabled on ${describeGuestVm(target)}, its fence rules and shortcut folders removed; its profile (the user's files) is kept: delete the account and its profile by hand, or remove the user with --allow-destroy-data`,
    );
  },
});
