import type { GuestSession } from '../guest-transport.ts';
import { fillSecretMarkers, requireNoMarkers } from './config-secrets.ts';
import {
  type PfsenseReload,
  readConfigXml,
  reloadPfsense,
  withRevision,
  writeConfigXml,
} from './config-xml-io.ts';
import { checkConfigXml, mergeOwnedEntries, type OwnedEntries } from './config-xml-merge.ts';

export interface ApplyOwnedEntriesOptions {
  /** The resource's construct path, for messages and the revision. */
  readonly where: string;
  readonly reload: PfsenseReload;
  /** Why, for the config's revision (`acme/acme.alice/VpnUser (create)`). */
  readonly why: string;
  /** Resolves the `{{secret:...}}` markers the entries hold; without it, a marker is refused. */
  readonly resolve?: (reference: string) => string;
  /** The clock the revision is stamped from; tests pin it. */
  readonly now?: () => Date;
}

/**
 * One change of a router's config.xml, whole: read the file as it is now,
 * merge `sets` into it, fill the secret markers (in this text only, sent on
 * stdin), back up, write atomically, reload. Nothing is written when the
 * merged file is the file already there. Returns the backup's path when it
 * wrote. What the pfSense config and the VPN user handlers both do, e.g.
 *
 *   applyOwnedEntries(session, [
 *     { kind: PFSENSE_ENTRY_KINDS.cert, wanted: [certXml] },
 *     { kind: PFSENSE_ENTRY_KINDS.openvpnCsc, wanted: [], formerKeys: ['acme.bob'] },
 *   ], { where, reload: 'openvpn', why, resolve })
 *
 * and to read: `findOwnedEntries(await readConfigXml(session, where), kind, keys)`.
 */
export async function applyOwnedEntries(
  session: GuestSession,
  sets: readonly OwnedEntries[],
  options: ApplyOwnedEntriesOptions,
): Promise<string | undefined> {
  const { where } = options;
  const current = await readConfigXml(session, where);
  const merged = mergeOwnedEntries(current, sets);
  const { text: filled, values } = options.resolve
    ? fillSecretMarkers(merged, options.resolve)
    : { text: merged, values: [] as readonly string[] };
  if (filled === current) return undefined;
  const next = withRevision(filled, (options.now ?? (() => new Date()))(), options.why);
  requireNoMarkers(next, `${where}: the new config.xml`);
  checkConfigXml(next, `${where}: the new config.xml`);
  const backup = await writeConfigXml(session, next, { where, current, secrets: values });
  await reloadPfsense(session, options.reload, { where, secrets: values });
  return backup;
}
