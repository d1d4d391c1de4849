import { createHash, X509Certificate } from 'node:crypto';
import type { PropertiesOf } from '../../contract/plan-type.ts';
import { vpnUserType } from '../../contract/types/guest.ts';
import { EngineError } from '../engine-errors.ts';
import type { PlanGuestTarget } from '../guest/guest-address.ts';
import type { GuestSession } from '../guest/guest-transport.ts';
import {
  readConfigXml,
  reloadPfsense,
  withRevision,
  writeConfigXml,
} from '../guest/pfsense/config-xml-io.ts';
import {
  checkConfigXml,
  findOwnedEntries,
  mergeOwnedEntries,
  type OwnedEntries,
} from '../guest/pfsense/config-xml-merge.ts';
import { resyncOpenVpn } from '../guest/pfsense/openvpn-resync.ts';
import { PFSENSE_ENTRY_KINDS } from '../guest/pfsense/pfsense-entry-kinds.ts';
import { PfsenseError } from '../guest/pfsense/pfsense-errors.ts';
import { compactXml, observeVpnUser, vpnUserEntrySets } from '../guest/pfsense/vpn-user-entries.ts';
import { fillSecrets } from '../secrets/secret-markers.ts';
import {
  CRL_NAME,
  currentRevocationList,
  type RevocationStore,
  revokeUserCertificate,
  userCertificateNames,
} from '../secrets/vpn-revocations.ts';
import { GUEST_TARGET_HOOKS, guestSession, targetUnresolved, vmExists, vmRunning } from './guest-support.ts';
import {
  type AppliedResource,
  CREATE,
  defineHandler,
  type HandlerContext,
  type Observed,
  type PropertyChange,
  propertyChange,
  updateOrNoOp,
} from './handler.ts';

type Props = PropertiesOf<typeof vpnUserType>;

/**
 * `pvecdk_vpn_user`: one VPN user on the pfSense router. OpenVPN: the user's
 * certificate, issued from the platform CA in the secret store (clientAuth,
 * CN = user name), goes into config.xml as a `<cert>` (public part only), the
 * override pinning their tunnel address as an `<openvpn-csc>`, and the CA's
 * current CRL as the `<crl>` the server checks; deleting the user revokes the
 * certificate (the CRL grows and is installed) and removes the override and
 * the certificate. WireGuard: the peer under the WireGuard package, keys
 * filled on the way to the router. What is live is read from the router's
 * config.xml, so an entry removed or edited by hand shows in diff and is
 * put back by deploy. A critical change: the router VM is snapshotted first,
 * locked (`vm:<id>`), and verify reads the file back.
 */

interface Live {
  /** The override or peer as config.xml holds it, compact; null when absent. Peer keys are left out. */
  readonly router_entry: string | null;
  /** The serial of the user's certificate in config.xml; null when absent. */
  readonly certificate: string | null;
  /** A short hash of the CRL in config.xml; null when absent. */
  readonly crl: string | null;
  /** What they should be, from the secret store (absent when this run has no store: not compared). */
  readonly wanted_certificate?: string;
  readonly wanted_crl?: string;
}

const ROUTER_ENTRY_KEYS = /<(publickey|presharedkey)>[^<]*<\/\1>/g;
const hashOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
const serialOf = (pem: string) => new X509Certificate(pem).serialNumber.toLowerCase();
/** The WireGuard peer compared without its keys: those are checked by verify, never shown. */
const comparable = (xml: string) => compactXml(xml).replace(ROUTER_ENTRY_KEYS, '<$1/>');

/** The secret store with what the CA's revocations need; undefined in runs without one. */
function pkiOf(ctx: HandlerContext): RevocationStore | undefined {
  const s = ctx.secrets;
  return s?.stored && s.edit ? (s as RevocationStore) : undefined;
}

function requirePki(ctx: HandlerContext, where: string): RevocationStore {
  const pki = pkiOf(ctx);
  if (!pki)
    throw new EngineError(
      'ENGINE_NO_SECRET_STORE',
      `${where}: a VPN user's certificate and the CA's revocation list come from the secret store, and this run has none`,
      'run deploy through the pvecdk CLI, which opens the secret store of the remote',
    );
  return pki;
}

/** The description a WireGuard peer entry is known by (the kind's key). */
const peerKey = (routerEntry: string) => /<descr>([^<]*)<\/descr>/.exec(routerEntry)?.[1] ?? '';

function observe(configXml: string, props: Props, pki: RevocationStore | undefined): Live {
  if (props.kind === 'wireguard') {
    const [peer] = findOwnedEntries(configXml, PFSENSE_ENTRY_KINDS.wireguardPeer, [
      peerKey(props.router_entry),
    ]);
    return { router_entry: peer ? comparable(peer.xml) : null, certificate: null, crl: null };
  }
  const seen = observeVpnUser(configXml, props.user_name);
  const cert = pki?.stored(userCertificateNames(props.user_name).cert);
  const crl = pki?.stored(CRL_NAME);
  return {
    router_entry: seen.override ?? null,
    certificate: seen.certPem ? serialOf(seen.certPem) : null,
    crl: seen.crlPem ? hashOf(seen.crlPem) : null,
    ...(cert ? { wanted_certificate: serialOf(cert) } : {}),
    ...(crl ? { wanted_crl: hashOf(crl) } : {}),
  };
}

/** What differs between the router and the plan (and the secret store), by name; none of it secret. */
function differences(props: Props, live: Live): PropertyChange[] {
  const changes: PropertyChange[] = [];
  const wanted = props.kind === 'wireguard' ? comparable(props.router_entry) : compactXml(props.router_entry);
  if (live.router_entry !== wanted) changes.push(propertyChange('router_entry', live.router_entry, wanted));
  if (props.kind === 'openvpn') {
    if (
      live.certificate === null ||
      (live.wanted_certificate && live.certificate !== live.wanted_certificate)
    )
      changes.push(
        propertyChange('(certificate)', live.certificate, live.wanted_certificate ?? '(issued at deploy)'),
      );
    if (live.crl === null || (live.wanted_crl && live.crl !== live.wanted_crl))
      changes.push(propertyChange('(revocation list)', live.crl, live.wanted_crl ?? '(signed at deploy)'));
  }
  return changes;
}

const liveOf = (observed: Observed | undefined) => observed?.live as Live | undefined;

/**
 * Merges `sets` into config.xml as it is now, writes it (backed up, atomic,
 * a revision saying why) and has pfSense apply it: OpenVPN by resyncing its
 * servers and overrides, WireGuard by the full reload. `secrets` are the
 * values filled in (masked in any error). Nothing is written when nothing changes.
 */
async function writeEntries(
  session: GuestSession,
  sets: readonly OwnedEntries[],
  o: {
    readonly where: string;
    readonly why: string;
    readonly kind: Props['kind'];
    readonly secrets?: readonly string[];
    readonly removedCommonName?: string;
  },
): Promise<boolean> {
  const current = await readConfigXml(session, o.where);
  const merged = mergeOwnedEntries(current, sets);
  if (merged === current) return false;
  const next = withRevision(merged, new Date(), o.why);
  checkConfigXml(next, `${o.where}: the new config.xml`);
  const secrets = o.secrets ?? [];
  await writeConfigXml(session, next, { where: o.where, current, secrets });
  if (o.kind === 'wireguard') await reloadPfsense(session, 'all', { where: o.where, secrets });
  else await resyncOpenVpn(session, o.where, o.removedCommonName);
  return true;
}

/** The WireGuard peer's entry with its keys filled here, on the way to the router, and nowhere else. */
function wireGuardSets(
  props: Props,
  pki: RevocationStore,
  remove: boolean,
): { sets: OwnedEntries[]; secrets: string[] } {
  const kind = PFSENSE_ENTRY_KINDS.wireguardPeer;
  const key = peerKey(props.router_entry);
  if (remove) return { sets: [{ kind, wanted: [], formerKeys: [key] }], secrets: [] };
  const secrets: string[] = [];
  const filled = fillSecrets(props.router_entry, (reference) => {
    const value = pki.resolve(reference);
    secrets.push(value);
    return value;
  });
  return { sets: [{ kind, wanted: [filled], formerKeys: [key] }], secrets };
}

const targetOf = (p: Props) => p.target as unknown as PlanGuestTarget;
const sessionFor = (ctx: HandlerContext, p: Props, where: string) => guestSession(ctx, where, targetOf(p));

export const vpnUserHandler = defineHandler({
  contract: vpnUserType,
  ...GUEST_TARGET_HOOKS,

  async read(ctx, resource) {
    const target = targetOf(resource.props);
    // A router not deployed or not running yet has nothing to read: the user is to be made.
    if (targetUnresolved(target) || !vmRunning(ctx, target)) return undefined;
    const session = await sessionFor(ctx, resource.props, resource.path);
    const live = observe(await readConfigXml(session, resource.path), resource.props, pkiOf(ctx));
    if (live.router_entry === null && live.certificate === null) return undefined;
    return { attributes: { guest: target }, live: { ...live } };
  },

  diff(resource, observed) {
    const live = liveOf(observed);
    return live ? updateOrNoOp(differences(resource.props, live)) : CREATE;
  },

  async apply(ctx, resource, change) {
    const where = resource.path;
    const props = resource.props;
    const pki = requirePki(ctx, where);
    const session = await sessionFor(ctx, props, where);
    const why = `${where} (${change.action})`;
    if (props.kind === 'wireguard') {
      const { sets, secrets } = wireGuardSets(props, pki, false);
      await writeEntries(session, sets, { where, why, kind: props.kind, secrets });
    } else {
      // Issued on first use (key and certificate together) and kept: the profile the operator hands out uses them.
      const certPem = pki.resolve(`generated:${userCertificateNames(props.user_name).cert}`);
      const crlPem = currentRevocationList(pki);
      const sets = vpnUserEntrySets({ name: props.user_name, certPem, override: props.router_entry }, crlPem);
      await writeEntries(session, sets, { where, why, kind: props.kind });
    }
    return { guest: targetOf(props) };
  },

  async verify(ctx, resource) {
    const where = resource.path;
    const session = await sessionFor(ctx, resource.props, where);
    const text = await readConfigXml(session, where);
    const pki = pkiOf(ctx);
    const left = differences(resource.props, observe(text, resource.props, pki)).map((c) => c.key);
    if (resource.props.kind === 'wireguard' && pki) {
      const [peer] = findOwnedEntries(text, PFSENSE_ENTRY_KINDS.wireguardPeer, [
        peerKey(resource.props.router_entry),
      ]);
      const filled = fillSecrets(resource.props.router_entry, (r) => pki.resolve(r));
      if (!peer || compactXml(peer.xml) !== compactXml(filled)) left.push('peer keys');
    }
    if (left.length)
      throw new PfsenseError(
        'PFSENSE_VERIFY_FAILED',
        `${where}: after the write and reload, config.xml on ${session.description} does not hold the user's ${left.join(', ')}`,
        'pfSense may have refused the file and restored a backup (see its system log); the router is rolled back to the snapshot taken before the change',
      );
  },

  /**
   * Revokes first, then removes: the CRL on the router is what refuses the
   * profile the user still holds, so it is installed in the same write that
   * takes the override and the certificate away.
   */
  async delete(ctx, applied: AppliedResource) {
    const where = applied.path;
    const props = applied.properties as unknown as Props;
    const target = applied.attributes.guest as PlanGuestTarget | undefined;
    // The router VM is gone (its config.xml with it): still revoke, so a restored router refuses the user.
    const pki = requirePki(ctx, where);
    if (props.kind === 'openvpn') revokeUserCertificate(pki, props.user_name);
    if (!target || !vmExists(ctx, target)) return;
    if (!vmRunning(ctx, target))
      throw new EngineError(
        'ENGINE_CANNOT_APPLY',
        `${where}: the router (VM ${target.vm_id} on ${target.node_name}) is not running, so VPN user ${props.user_name} cannot be removed from it`,
        'start the router VM and run again; the certificate is already revoked in the secret store',
      );
    const session = await guestSession(ctx, where, target);
    const why = `${where} (delete)`;
    if (props.kind === 'wireguard') {
      await writeEntries(session, wireGuardSets(props, pki, true).sets, { where, why, kind: props.kind });
      return;
    }
    const sets = vpnUserEntrySets({ name: props.user_name }, currentRevocationList(pki));
    await writeEntries(session, sets, { where, why, kind: props.kind, removedCommonName: props.user_name });
  },
});
