import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PropertiesOf } from '../../lib/contract/plan-type.ts';
import type { vpnUserType } from '../../lib/contract/types/guest.ts';
import type { DesiredResource, HandlerContext } from '../../lib/engine/handlers/handler.ts';
import { vpnUserHandler } from '../../lib/engine/handlers/vpn-user-handler.ts';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { CRL_NAME, revokedSerials } from '../../lib/engine/secrets/vpn-revocations.ts';
import { refid, renderOpenVpnCsc, renderWireGuardPeer } from '../../lib/render/index.ts';
import { FakePfsense, transportTo } from './guest/fake-pfsense-session.ts';

type Props = PropertiesOf<typeof vpnUserType>;
const FIXTURE = readFileSync(new URL('./guest/fixtures/pfsense-config.xml', import.meta.url), 'utf8');
const ROUTER_VM = 100;

function user(
  name: string,
  address: string,
  kind: 'openvpn' | 'wireguard' = 'openvpn',
): DesiredResource<Props> {
  const routerEntry =
    kind === 'openvpn'
      ? renderOpenVpnCsc(1, { commonName: name, tunnelAddress: address, tunnelPrefix: 20, description: name })
      : renderWireGuardPeer({
          tunnel: 'tun_wg0',
          description: name,
          publicKeySecret: `generated:wg/users/${name}.pub`,
          presharedKeySecret: `generated:wg/users/${name}.psk`,
          address,
        });
  return {
    id: `${name}VpnUser`,
    type: 'pvecdk_vpn_user',
    path: `acme/${name}/VpnUser`,
    props: {
      target: {
        vm_id: ROUTER_VM,
        node_name: 'pve1',
        host: '10.20.0.1',
        username: 'pvecdk',
        dialect: 'pfsense',
        private_key: { secret: 'generated:ssh/guest_ed25519' },
      },
      user_name: name,
      kind,
      tunnel_address: address,
      private_key: { secret: `generated:vpn/users/${name}.key` },
      router_entry: routerEntry,
      profile: 'client\n',
      profile_file_name: `${name}.ovpn`,
    } as Props,
  };
}

function setup(config = FIXTURE) {
  const router = new FakePfsense(config);
  const store = new SecretStore(mkdtempSync(join(tmpdir(), 'pvecdk-vpn-user-')), 'prod');
  const ctx = {
    stack: 'acme',
    inventory: [{ type: 'qemu', vmid: ROUTER_VM, node: 'pve1', id: `qemu/${ROUTER_VM}` }],
    secrets: store,
    guests: transportTo(router),
  } as unknown as HandlerContext;
  return { router, store, ctx };
}

/** One deploy of a resource as the engine runs it: read, diff, apply and verify when something changes. */
async function deploy(ctx: HandlerContext, resource: DesiredResource<Props>) {
  const observed = await vpnUserHandler.read(ctx, resource);
  const change = vpnUserHandler.diff(resource, observed);
  if (change.action === 'no-op') return { change, attributes: undefined };
  const attributes = await vpnUserHandler.apply(ctx, resource, change, observed);
  await vpnUserHandler.verify!(ctx, resource, attributes);
  return { change, attributes };
}

const applied = (r: DesiredResource<Props>, attributes: Record<string, unknown>) => ({
  id: r.id,
  type: r.type,
  path: r.path,
  attributes,
  properties: r.props as unknown as Record<string, unknown>,
});

describe('pvecdk_vpn_user handler (OpenVPN on pfSense)', { timeout: 90_000 }, () => {
  it('GIVEN a router WHEN a user is deployed THEN config.xml gains their certificate, override and the CRL, hand-made entries stay byte for byte, and pfSense resyncs OpenVPN', async () => {
    const { router, store, ctx } = setup();
    const alice = user('acme.alice', '10.8.15.86');
    const { change } = await deploy(ctx, alice);
    expect(change.action).toBe('create');

    const cert = store.stored('vpn/users/acme.alice.crt')!;
    expect(new X509Certificate(cert).subject).toBe('CN=acme.alice');
    const config = router.config;
    expect(config).toContain(`<crt>${Buffer.from(cert).toString('base64')}</crt>`);
    expect(config).not.toContain(Buffer.from(store.stored('vpn/users/acme.alice.key')!).toString('base64'));
    expect(config).toMatch(
      /<openvpn-csc>\s*<server_list>1<\/server_list>\s*<common_name>acme\.alice<\/common_name>/,
    );
    expect(config).toContain(`<text>${Buffer.from(store.stored(CRL_NAME)!).toString('base64')}</text>`);
    expect(config).toContain(`<caref>${refid('pvecdk-vpn-ca')}</caref>`);
    expect(config).toContain(`<refid>${refid('pvecdk-vpn-crl')}</refid>`);
    expect(config).toContain('<method>existing</method>');
    // Everything before the first of pvecdk's entries is the fixture's, unchanged but the revision saying who changed it.
    const headOf = (text: string) =>
      text.slice(0, text.indexOf('\t<cert>')).replace(/<revision>[\s\S]*?<\/revision>/, '');
    expect(headOf(config)).toBe(headOf(FIXTURE));
    expect(config).toContain('pvecdk: acme/acme.alice/VpnUser (create)');
    expect(router.php).toHaveLength(1);
    expect(router.php[0]).toContain('openvpn_resync_all("", "", true);');
  });

  it('GIVEN a deployed user WHEN deployed again THEN it is a no-op with no write; a hand-removed override shows in diff and is put back', async () => {
    const { router, ctx } = setup();
    const alice = user('acme.alice', '10.8.15.86');
    await deploy(ctx, alice);
    const again = await deploy(ctx, alice);
    expect(again.change.action).toBe('no-op');
    expect(router.writes).toHaveLength(1);

    router.config = router.config.replace(/\s*<openvpn-csc>[\s\S]*?<\/openvpn-csc>/, '');
    const repaired = await deploy(ctx, alice);
    expect(repaired.change.action).toBe('update');
    expect(repaired.change.changes.map((c) => c.key)).toEqual(['router_entry']);
    expect(router.config).toContain('<common_name>acme.alice</common_name>');
  });

  it('GIVEN two users WHEN one is deleted THEN their certificate is revoked in the CRL on the router, their override and certificate leave, and the other user is untouched', async () => {
    const { router, store, ctx } = setup();
    const alice = user('acme.alice', '10.8.15.86');
    const bob = user('acme.bob', '10.8.9.55');
    const { attributes } = await deploy(ctx, alice);
    await deploy(ctx, bob);
    const serial = new X509Certificate(store.stored('vpn/users/acme.alice.crt')!).serialNumber.toLowerCase();
    const bobBefore = /<cert>\s*<refid>[^<]*<\/refid>\s*<descr>acme\.bob<\/descr>[\s\S]*?<\/cert>/.exec(
      router.config,
    )![0];

    await vpnUserHandler.delete(ctx, applied(alice, attributes!));
    expect(revokedSerials(store)).toEqual([serial]);
    expect(router.config).toContain(
      `<text>${Buffer.from(store.stored(CRL_NAME)!).toString('base64')}</text>`,
    );
    expect(router.config).not.toContain('<common_name>acme.alice</common_name>');
    expect(router.config).not.toContain('<descr>acme.alice</descr>');
    expect(router.config).toContain('<common_name>acme.bob</common_name>');
    expect(router.config).toContain(bobBefore);
    expect(router.php.at(-1)).toContain('openvpn_delete_csc(array("common_name" => "acme.alice"');
    // Deleting again (a resumed destroy) changes nothing more.
    const writes = router.writes.length;
    await vpnUserHandler.delete(ctx, applied(alice, attributes!));
    expect(router.writes).toHaveLength(writes);
  });

  it('GIVEN the router VM WHEN the engine asks THEN the change locks vm:<id> and snapshots the router VM', () => {
    const alice = user('acme.alice', '10.8.15.86');
    expect(vpnUserHandler.locks(alice)).toEqual([`vm:${ROUTER_VM}`]);
    expect(vpnUserHandler.snapshotTarget!(alice)).toEqual({ node: 'pve1', vmid: ROUTER_VM });
  });

  it('GIVEN a router that keeps its old config.xml WHEN applied THEN verify fails naming what does not hold', async () => {
    const { router, ctx } = setup();
    router.refuseWrites = true;
    await expect(deploy(ctx, user('acme.alice', '10.8.15.86'))).rejects.toMatchObject({
      code: 'PFSENSE_VERIFY_FAILED',
      message: expect.stringContaining('router_entry, (certificate), (revocation list)'),
    });
  });

  it('GIVEN a full disk on the router WHEN applied THEN the write error says nothing was replaced', async () => {
    const { router, ctx } = setup();
    router.failWrites = true;
    await expect(deploy(ctx, user('acme.alice', '10.8.15.86'))).rejects.toMatchObject({
      code: 'PFSENSE_WRITE_FAILED',
      message: expect.stringContaining('No space left on device'),
      hint: expect.stringContaining('nothing was replaced'),
    });
    expect(router.config).toBe(FIXTURE);
  });

  it('GIVEN no guest transport or no secret store WHEN applied THEN the errors say what the run lacks', async () => {
    const { ctx } = setup();
    const alice = user('acme.alice', '10.8.15.86');
    const noGuests = { ...ctx, guests: undefined } as HandlerContext;
    await expect(vpnUserHandler.read(noGuests, alice)).rejects.toMatchObject({ code: 'ENGINE_CANNOT_APPLY' });
    const noStore = { ...ctx, secrets: undefined } as HandlerContext;
    await expect(
      vpnUserHandler.apply(noStore, alice, { action: 'create', changes: [], destroysData: false }, undefined),
    ).rejects.toMatchObject({
      code: 'ENGINE_NO_SECRET_STORE',
    });
  });
});

describe('pvecdk_vpn_user handler (WireGuard on pfSense)', { timeout: 90_000 }, () => {
  it('GIVEN a WireGuard user WHEN deployed THEN the peer is merged with its keys filled, diff never shows them, and a re-deploy is a no-op', async () => {
    const { router, store, ctx } = setup();
    const carol = user('acme.carol', '10.8.3.3', 'wireguard');
    await deploy(ctx, carol);
    expect(router.config).toContain(`<publickey>${store.stored('wg/users/acme.carol.pub')}</publickey>`);
    const observed = await vpnUserHandler.read(ctx, carol);
    expect(JSON.stringify(observed)).not.toContain(store.stored('wg/users/acme.carol.psk'));
    expect((await deploy(ctx, carol)).change.action).toBe('no-op');
  });
});
