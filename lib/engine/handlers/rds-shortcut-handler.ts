import { z } from 'zod';
import { rdsShortcutType } from '../../contract/types/guest.ts';
import { describeGuestVm, type PlanGuestTarget } from '../guest/guest-address.ts';
import type { GuestSession } from '../guest/guest-transport.ts';
import { runPowerShellViaStdin } from '../guest/powershell-stdin.ts';
import {
  linkContentSha256,
  renderRdsShortcutReadScript,
  renderRdsShortcutRemoveScript,
  shortcutArguments,
} from '../guest/rds-guest-scripts.ts';
import { WindowsGuestError } from '../guest/windows-guest-errors.ts';
import { readWindowsJson } from '../guest/windows-read.ts';
import { GUEST_TARGET_HOOKS, guestSession, targetUnresolved, vmExists, vmRunning } from './guest-support.ts';
import {
  CREATE,
  defineHandler,
  type Observed,
  type PropertyChange,
  propertyChange,
  updateOrNoOp,
} from './handler.ts';
import { atResource } from './handler-errors.ts';

/** What the read script prints (renderRdsShortcutReadScript), checked: it comes from the network. */
const ShortcutReadSchema = z.object({
  link: z
    .string()
    .regex(/^[0-9A-Fa-f]{64}$/)
    .nullable(),
  lnk: z.object({ target: z.string(), arguments: z.string(), description: z.string() }).nullable(),
});
type ShortcutLive = z.output<typeof ShortcutReadSchema>;

interface ShortcutProps {
  readonly target: PlanGuestTarget;
  readonly user_name: string;
  readonly link_path: string;
  readonly link_content: string;
  readonly shortcut_path: string;
  readonly client_exe: string;
  readonly description: string;
}

function readFiles(session: GuestSession, path: string, p: ShortcutProps): Promise<ShortcutLive> {
  return readWindowsJson(
    session,
    renderRdsShortcutReadScript({
      userName: p.user_name,
      linkPath: p.link_path,
      shortcutPath: p.shortcut_path,
    }),
    ShortcutReadSchema,
    { path, guest: describeGuestVm(p.target) },
  );
}

const sha = (hex: string | null) => (hex === null ? '(missing)' : `sha256:${hex.toLowerCase()}`);

/** What differs, by plan property: the link file by its SHA-256, the shortcut by what it starts. */
export function shortcutChanges(p: ShortcutProps, live: ShortcutLive): PropertyChange[] {
  const changes: PropertyChange[] = [];
  const want = linkContentSha256(p.link_content);
  if (live.link?.toUpperCase() !== want)
    changes.push(propertyChange('link_content', sha(live.link), sha(want)));
  if (!live.lnk) {
    changes.push(propertyChange('shortcut_path', null, p.shortcut_path));
    return changes;
  }
  if (live.lnk.target.toLowerCase() !== p.client_exe.toLowerCase())
    changes.push(propertyChange('client_exe', live.lnk.target, p.client_exe));
  if (live.lnk.arguments !== shortcutArguments(p.link_path))
    changes.push(propertyChange('link_path', live.lnk.arguments, shortcutArguments(p.link_path)));
  if (live.lnk.description !== p.description)
    changes.push(propertyChange('description', live.lnk.description, p.description));
  return changes;
}

/**
 * `pvecdk_rds_shortcut`: one ShowGrounds shortcut of one user on the RDS
 * host, a `.4DLink` file and the `.lnk` that opens the client with it. Read
 * hashes the link and reads the shortcut's target (so a hand edit shows in
 * diff); apply runs the plan's script and reads back; delete removes both files.
 */
export const rdsShortcutHandler = defineHandler({
  contract: rdsShortcutType,
  ...GUEST_TARGET_HOOKS,

  async read(ctx, r): Promise<Observed | undefined> {
    const { target } = r.props;
    if (targetUnresolved(target) || !vmRunning(ctx, target)) return undefined;
    try {
      const live = await readFiles(await guestSession(ctx, r.path, target), r.path, r.props);
      if (live.link === null && live.lnk === null) return undefined;
      return { attributes: { guest: target }, live: { ...live } };
    } catch (e) {
      throw atResource(r.path, e);
    }
  },

  diff(r, observed) {
    if (!observed) return CREATE;
    return updateOrNoOp(shortcutChanges(r.props, observed.live as unknown as ShortcutLive));
  },

  async apply(ctx, r) {
    const { target } = r.props;
    try {
      const session = await guestSession(ctx, r.path, target);
      await runPowerShellViaStdin(session, r.props.script, { label: `${r.path}: write the shortcut` });
      const left = shortcutChanges(r.props, await readFiles(session, r.path, r.props));
      if (left.length)
        throw new WindowsGuestError(
          'WINDOWS_GUEST_NOT_CONVERGED',
          `the shortcut script ran on ${describeGuestVm(target)}, but these still differ: ${left.map((c) => c.key).join(', ')}`,
          'run the deploy again; if it persists, look at the files on the RDS host',
        );
    } catch (e) {
      throw atResource(r.path, e);
    }
    return { guest: target };
  },

  async delete(ctx, applied) {
    const target = applied.attributes.guest as PlanGuestTarget | undefined;
    if (!target || !vmExists(ctx, target)) return;
    const p = applied.properties;
    try {
      const session = await guestSession(ctx, applied.path, target);
      await runPowerShellViaStdin(
        session,
        renderRdsShortcutRemoveScript({
          userName: String(p.user_name),
          linkPath: String(p.link_path),
          shortcutPath: String(p.shortcut_path),
        }),
        { label: `${applied.path}: remove the shortcut` },
      );
    } catch (e) {
      throw atResource(applied.path, e);
    }
  },
});
