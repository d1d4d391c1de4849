import { createHash } from 'node:crypto';
import { guestFileType } from '../../contract/types/guest.ts';
import { EngineError } from '../engine-errors.ts';
import type { PlanGuestTarget } from '../guest/guest-address.ts';
import { describeGuestVm } from '../guest/guest-address.ts';
import type { GuestSession } from '../guest/guest-transport.ts';
import {
  dialectOf,
  GUEST_TARGET_HOOKS,
  guestSession,
  sftpPath,
  targetUnresolved,
  vmExists,
  vmRunning,
} from './guest-support.ts';
import { CREATE, defineHandler, type Observed, propertyChange, updateOrNoOp } from './handler.ts';
import { atResource } from './handler-errors.ts';

/** Live content up to this size is shown in a diff line by line; larger files by their SHA-256. */
const SHOWN_CONTENT_BYTES = 64 * 1024;
const DEFAULT_MODE = '0644';

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A file's content as a diff shows it: the text when it is short UTF-8, else its SHA-256. */
function shownContent(data: Buffer): string {
  const text = data.toString('utf8');
  return data.length <= SHOWN_CONTENT_BYTES && Buffer.from(text, 'utf8').equals(data) ? text : sha256(data);
}

/** Whether the guest keeps POSIX modes (not Windows). */
const hasModes = (target: PlanGuestTarget) => target.dialect !== 'powershell';

/**
 * `pvecdk_guest_file`: a file inside a guest, written over SFTP atomically
 * (a temp file renamed over the path: readers see the old file or the new
 * one, never a part), compared by reading it back (SHA-256) and its mode on
 * sh dialects. What is live is read from the guest, so a file changed by
 * hand shows in diff and is put back by deploy.
 */
export const guestFileHandler = defineHandler({
  contract: guestFileType,
  ...GUEST_TARGET_HOOKS,

  async read(ctx, r): Promise<Observed | undefined> {
    const { target } = r.props;
    if (targetUnresolved(target) || !vmRunning(ctx, target)) return undefined;
    try {
      const session = await guestSession(ctx, r.path, target);
      const data = await session.download(sftpPath(r.props.path));
      if (!data) return undefined;
      const stat = hasModes(target) ? await session.stat?.(sftpPath(r.props.path)) : undefined;
      return {
        attributes: { guest: target },
        live: {
          content: shownContent(data),
          sha256: sha256(data),
          ...(stat ? { mode: `0${(stat.mode & 0o777).toString(8).padStart(3, '0')}` } : {}),
        },
      };
    } catch (e) {
      throw atResource(r.path, e);
    }
  },

  diff(r, observed) {
    if (!observed) return CREATE;
    const live = observed.live;
    const changes = [];
    if (live.sha256 !== sha256(r.props.content))
      changes.push(
        propertyChange(
          'content',
          live.content,
          live.content === live.sha256 ? sha256(r.props.content) : r.props.content,
        ),
      );
    const mode = r.props.mode ?? DEFAULT_MODE;
    if (hasModes(r.props.target) && live.mode !== undefined && live.mode !== mode)
      changes.push(propertyChange('mode', live.mode, mode));
    return updateOrNoOp(changes);
  },

  async apply(ctx, r) {
    const { target, path, content } = r.props;
    try {
      const session = await guestSession(ctx, r.path, target);
      await makeParent(session, target, path);
      await session.upload(sftpPath(path), content, {
        mode: Number.parseInt(r.props.mode ?? DEFAULT_MODE, 8),
      });
    } catch (e) {
      throw atResource(
        r.path,
        e,
        `nothing was half-written: ${path} on ${describeGuestVm(target)} is as it was before; fix what the error names (space, permissions, the folder) and deploy again`,
      );
    }
    return { guest: target };
  },

  async verify(ctx, r) {
    const session = await guestSession(ctx, r.path, r.props.target);
    const data = await session.download(sftpPath(r.props.path));
    if (!data || sha256(data) !== sha256(r.props.content))
      throw new EngineError(
        'ENGINE_CANNOT_APPLY',
        `${r.path}: after the upload, ${r.props.path} on ${describeGuestVm(r.props.target)} ${data ? 'holds other content' : 'is missing'}`,
        'something in the guest changes the file as it is written (a config manager?); find it, then deploy again',
      );
  },

  async delete(ctx, applied) {
    const target = applied.attributes.guest as PlanGuestTarget | undefined;
    const path = applied.properties.path as string;
    // Recorded before guest attributes were kept, or its VM is gone (the file went with it).
    if (!target || !vmExists(ctx, target)) return;
    if (!vmRunning(ctx, target))
      throw new EngineError(
        'ENGINE_CANNOT_APPLY',
        `${applied.path}: ${describeGuestVm(target)} is not running, so ${path} cannot be removed from it`,
        'start the VM and run again, or remove the VM first if it is going too',
      );
    try {
      const session = await guestSession(ctx, applied.path, target);
      const dialect = dialectOf(target.dialect);
      const script =
        target.dialect === 'powershell'
          ? `Remove-Item -LiteralPath ${dialect.quote(path)} -Force -ErrorAction SilentlyContinue`
          : `rm -f -- ${dialect.quote(path)}`;
      await session.exec(dialect.command(script), { label: `remove ${path}` });
    } catch (e) {
      throw atResource(applied.path, e);
    }
  },
});

/** The file's folder, made when missing (sh dialects; Windows folders come with the software). */
async function makeParent(session: GuestSession, target: PlanGuestTarget, path: string): Promise<void> {
  if (!hasModes(target)) return;
  const parent = path.slice(0, path.lastIndexOf('/')) || '/';
  if (parent === '/') return;
  const sh = dialectOf(target.dialect);
  await session.exec(sh.command(`mkdir -p -- ${sh.quote(parent)}`), { label: `make the folder ${parent}` });
}
