import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PropertiesOf } from '../../lib/contract/plan-type.ts';
import type { vpnUserType } from '../../lib/contract/types/guest.ts';
import { mergeOwnedEntries } from '../../lib/engine/guest/pfsense/config-xml-merge.ts';
import { ownedEntriesOf } from '../../lib/engine/guest/pfsense/section-entries.ts';
import { CREATE, type DesiredResource, type HandlerContext } from '../../lib/engine/handlers/handler.ts';
import { vpnUserHandler } from '../../lib/engine/handlers/vpn-user-handler.ts';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { ROOT, runCli } from '../cli/run-cli.ts';
import { FakePfsense, transportTo } from '../engine/guest/fake-pfsense-session.ts';
import { Namespaces, waitFor } from './netns.ts';
import { cscFile, elements, elementText, serverConf } from './pfsense-openvpn-conf.ts';

/**
 * Proof against real software: the OpenVPN server pfSense would run from the
 * platform's rendered config.xml sections (server, client-specific
 * overrides, the CRL, the filter rules of the VPN interface), and a client
 * using the `.ovpn` that `pvecdk vpn profile` wrote, both the real `openvpn`
 * binary, in two network namespaces joined by a veth pair.
 */
const acme = join(ROOT, 'stacks/acme.ts');
const PFSENSE_FIXTURE = join(ROOT, 'test/engine/guest/fixtures/pfsense-config.xml');
const unavailable = Namespaces.unavailable();
if (unavailable) console.log(`openvpn-real: skipped, network namespaces cannot be made here: ${unavailable}`);

interface PlanFile {
  resources: Record<string, { type: string; path: string; properties: Record<string, unknown> }>;
}
const WAN_SERVER = '192.0.2.1';
const WAN_CLIENT = '192.0.2.2';
const LAN_HOST = '10.20.1.10';
const DEVICE = 'ovpns1';

/** A TCP connect from inside `ns`, bounded: 'connected' or the error code. */
function tcpProbe(client: string, host: string, port: number): string {
  const script = `const s=require('node:net').connect({host:process.argv[1],port:+process.argv[2],timeout:3000});
s.on('connect',()=>{console.log('connected');s.destroy()});
s.on('timeout',()=>{console.log('timeout');s.destroy()});
s.on('error',e=>console.log(e.code))`;
  const r = spawnSync('ip', ['netns', 'exec', client, process.execPath, '-e', script, host, String(port)], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return r.stdout.trim() || `no answer (${r.stderr.trim()})`;
}

/** pfSense blocks by default on an interface and passes what its rules say: the VPN interface's rules as nft. */
function vpnInterfaceFilter(filterXml: string): string {
  const rules = elements(filterXml, 'rule').filter((r) => elementText(r, 'interface') === 'openvpn');
  const lines = rules.map((rule) => {
    const source = elementText(elementText(rule, 'source')!, 'address');
    const destination = elementText(rule, 'destination')!;
    const address = elementText(destination, 'address');
    const port = elementText(destination, 'port');
    const proto = elementText(rule, 'protocol')!;
    return [
      `iifname "${DEVICE}"`,
      source ? `ip saddr ${source}` : '',
      address ? `ip daddr ${address}` : '',
      port ? `${proto} dport ${port.replace(':', '-')}` : `meta l4proto ${proto}`,
      elementText(rule, 'type') === 'pass' ? 'accept' : 'drop',
    ]
      .filter(Boolean)
      .join(' ');
  });
  return `table inet pfsense_filter {\n  chain input {\n    type filter hook input priority 0; policy accept;\n${[...lines, `iifname "${DEVICE}" drop`].map((l) => `    ${l}`).join('\n')}\n  }\n}\n`;
}

describe.skipIf(unavailable !== undefined)('OpenVPN for real: the platform server and a user profile', () => {
  const ns = new Namespaces();
  let work: string;
  let server: string;
  let client: string;
  let alice: { address: string; prefix: number };
  let rdsAddress: string;
  let serverLog: () => string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pvecdk-openvpn-'));
    // The stacks as an operator deploys them: plans, then state and secrets as a deploy leaves them.
    expect(runCli(['synth', acme], { cwd: work }).code).toBe(0);
    const platform = JSON.parse(readFileSync(join(work, 'cdk.out/platform.plan.json'), 'utf8')) as PlanFile;
    const customer = JSON.parse(readFileSync(join(work, 'cdk.out/acme.plan.json'), 'utf8')) as PlanFile;
    const routerConfig = Object.values(platform.resources).find((r) => r.type === 'pvecdk_pfsense_config')!;
    const sections = routerConfig.properties.sections as Record<string, string>;
    const users = Object.entries(customer.resources).filter(([, r]) => r.type === 'pvecdk_vpn_user');
    const stateDir = join(work, '.pvecdk/sim');
    const store = new SecretStore(stateDir, 'default', work);
    for (const name of ['vpn/ca.crt', 'vpn/server.crt', 'vpn/tls-crypt.key'])
      store.resolve(`generated:${name}`);

    // The router: a pfSense config.xml with the platform's sections merged in, then each user
    // deployed by the pvecdk_vpn_user handler (the router VM's id and node as the engine resolves them).
    const router = new FakePfsense(
      mergeOwnedEntries(readFileSync(PFSENSE_FIXTURE, 'utf8'), ownedEntriesOf(sections)),
    );
    const ctx = {
      stack: 'acme',
      inventory: [{ type: 'qemu', vmid: 100, node: 'pve1', id: 'qemu/100' }],
      secrets: store,
      guests: transportTo(router),
    } as unknown as HandlerContext;
    const resources = users.map(([id, r]) => ({
      id,
      type: r.type,
      path: r.path,
      props: {
        ...r.properties,
        target: { ...(r.properties.target as object), vm_id: 100, node_name: 'pve1' },
      },
    })) as DesiredResource<PropertiesOf<typeof vpnUserType>>[];
    const recorded: Record<string, Record<string, unknown>> = {};
    for (const r of resources) {
      const attributes = await vpnUserHandler.apply(ctx, r, CREATE, undefined);
      await vpnUserHandler.verify!(ctx, r, attributes);
      recorded[r.id] = { type: r.type, path: r.path, attributes, properties: r.props, dependsOn: [] };
    }
    // State as the engine records it, for `vpn profile`.
    mkdirSync(join(stateDir, 'state/default'), { recursive: true });
    const state = {
      version: 1,
      stack: 'acme',
      remote: 'default',
      serial: 1,
      resources: recorded,
      outputs: {},
    };
    writeFileSync(join(stateDir, 'state/default/acme.json'), JSON.stringify(state));

    const aliceEntry = users.find(([, r]) => r.properties.user_name === 'acme.alice')![1];
    const tunnel = elementText(sections.openvpn!, 'tunnel_network')!;
    alice = { address: String(aliceEntry.properties.tunnel_address), prefix: Number(tunnel.split('/')[1]) };

    // Profiles as the operator hands them out; then bob leaves (removed from the stack: the handler's
    // delete revokes his certificate and takes his override away) but keeps his file.
    for (const user of ['acme.alice', 'acme.bob']) {
      const run = runCli(['vpn', 'profile', acme, user, '--out', `${user}.ovpn`], { cwd: work });
      expect(run.code, run.stderr).toBe(0);
    }
    const bob = resources.find((r) => r.props.user_name === 'acme.bob')!;
    await vpnUserHandler.delete(ctx, { ...bob, ...recorded[bob.id], properties: bob.props } as never);
    expect(router.config).not.toContain('<common_name>acme.bob</common_name>');

    // The router's side, as pfSense writes it from its config.xml: the server, the overrides
    // there, and the CRL the server's <crlref> names, installed next to the CA in its capath.
    const config = router.config;
    const serverXml = elements(config, 'openvpn-server')[0]!;
    const crlref = elementText(serverXml, 'crlref')!;
    const crl = elements(config, 'crl').find((c) => elementText(c, 'refid') === crlref);
    expect(crl, `no <crl> with the refid ${crlref} the server names`).toBeDefined();
    const dir = join(work, 'server');
    mkdirSync(join(dir, 'capath'), { recursive: true });
    mkdirSync(join(dir, 'csc'));
    const caCert = store.resolve('generated:vpn/ca.crt');
    writeFileSync(join(dir, 'ca.crt'), caCert);
    const hash = spawnSync('openssl', ['x509', '-hash', '-noout', '-in', join(dir, 'ca.crt')], {
      encoding: 'utf8',
    }).stdout.trim();
    writeFileSync(join(dir, 'capath', `${hash}.0`), caCert);
    writeFileSync(join(dir, 'capath', `${hash}.r0`), Buffer.from(elementText(crl!, 'text')!, 'base64'));
    writeFileSync(join(dir, 'server.crt'), store.resolve('generated:vpn/server.crt'));
    writeFileSync(join(dir, 'server.key'), store.resolve('generated:vpn/server.key'), { mode: 0o600 });
    writeFileSync(join(dir, 'tls.key'), store.resolve('generated:vpn/tls-crypt.key'), { mode: 0o600 });
    for (const entry of elements(config, 'openvpn-csc')) {
      const csc = cscFile(entry, serverXml);
      writeFileSync(join(dir, 'csc', csc.name), csc.text);
    }
    writeFileSync(
      join(dir, 'server.conf'),
      serverConf(serverXml, {
        wanAddress: WAN_SERVER,
        device: DEVICE,
        capath: join(dir, 'capath'),
        cert: join(dir, 'server.crt'),
        key: join(dir, 'server.key'),
        tlsKey: join(dir, 'tls.key'),
        cscDir: join(dir, 'csc'),
      }),
    );
    const vpnRule = elements(sections.filter!, 'rule').find(
      (r) => elementText(r, 'interface') === 'openvpn',
    )!;
    rdsAddress = elementText(elementText(vpnRule, 'destination')!, 'address')!;
    writeFileSync(join(dir, 'filter.nft'), vpnInterfaceFilter(sections.filter!));

    // Two namespaces on a veth pair: the router (WAN, DMZ with the RDS host, a LAN host) and a user's PC.
    server = ns.add('pvecdk-router');
    client = ns.add('pvecdk-pc');
    const [vs, vc] = [`pvr${ns.suffix}`, `pvc${ns.suffix}`];
    ns.run('ip', 'link', 'add', vs, 'type', 'veth', 'peer', 'name', vc);
    ns.run('ip', 'link', 'set', vs, 'netns', server);
    ns.run('ip', 'link', 'set', vc, 'netns', client);
    ns.exec(server, 'ip', 'addr', 'add', `${WAN_SERVER}/24`, 'dev', vs);
    ns.exec(server, 'ip', 'link', 'set', vs, 'up');
    ns.exec(client, 'ip', 'addr', 'add', `${WAN_CLIENT}/24`, 'dev', vc);
    ns.exec(client, 'ip', 'link', 'set', vc, 'up');
    // The RDS host and a LAN host as addresses of the router itself (no dummy links in every container).
    ns.exec(server, 'ip', 'addr', 'add', `${rdsAddress}/32`, 'dev', 'lo');
    ns.exec(server, 'ip', 'addr', 'add', `${LAN_HOST}/32`, 'dev', 'lo');
    ns.exec(server, 'nft', '-f', join(dir, 'filter.nft'));
    // The profile dials the platform's endpoint by name: the PC resolves it to the router's WAN.
    ns.etc(client, { hosts: `127.0.0.1 localhost\n${WAN_SERVER} vpn.example.com\n` });

    const listeners = ns.start(
      server,
      [
        process.execPath,
        '-e',
        `const net=require('node:net');let up=0;const pairs=JSON.parse(process.argv[1]);
for(const [h,p] of pairs) net.createServer(s=>s.end('hello\\n')).listen(p,h,()=>{if(++up===pairs.length)console.log('listening')});`,
        JSON.stringify([
          [rdsAddress, 3389],
          [rdsAddress, 445],
          [LAN_HOST, 3389],
        ]),
      ],
      work,
    );
    await waitFor('the listeners', () => listeners.output().includes('listening'), 10_000, listeners.output);
    const openvpn = ns.start(server, ['openvpn', '--config', join(dir, 'server.conf')], dir);
    serverLog = openvpn.output;
    await waitFor(
      'the OpenVPN server',
      () => serverLog().includes('Initialization Sequence Completed'),
      20_000,
      serverLog,
    );
  }, 120_000);

  afterAll(async () => {
    await ns.cleanup();
  }, 60_000);

  it("GIVEN alice's profile WHEN her client connects THEN the tunnel comes up with her fixed address and the DMZ route only", async () => {
    const run = ns.start(client, ['openvpn', '--config', 'acme.alice.ovpn'], work);
    await waitFor(
      "alice's tunnel",
      () => run.output().includes('Initialization Sequence Completed'),
      30_000,
      () => `client:\n${run.output()}\nserver:\n${serverLog()}`,
    );
    const addresses = ns.exec(client, 'ip', '-4', '-o', 'addr', 'show');
    expect(addresses).toContain(`inet ${alice.address}/${alice.prefix}`);
    const routes = ns.exec(client, 'ip', '-4', 'route', 'show');
    expect(routes).toMatch(/^10\.30\.0\.0\/24 via \S+ dev tun/m);
    expect(routes).not.toMatch(/^default/m);
    expect(routes).not.toMatch(/^10\.20\./m);
  }, 60_000);

  it('GIVEN alice connected WHEN she opens connections THEN the RDS host answers on 3389, and its other ports and the LAN are out of reach', () => {
    expect(tcpProbe(client, rdsAddress, 3389)).toBe('connected');
    // Dropped by the VPN interface's filter (pfSense's default block): no answer at all.
    expect(tcpProbe(client, rdsAddress, 445)).toBe('timeout');
    // Never routed into the tunnel: the PC has no route there.
    expect(['ENETUNREACH', 'EHOSTUNREACH']).toContain(tcpProbe(client, LAN_HOST, 3389));
  }, 30_000);

  it("GIVEN bob's certificate was revoked WHEN he connects with the profile he kept THEN the server refuses him by the CRL", async () => {
    const run = ns.start(client, ['openvpn', '--config', 'acme.bob.ovpn'], work);
    await waitFor(
      'the server to refuse bob',
      () =>
        /CN=acme\.bob[\s\S]*?(certificate revoked|CRL)/i.test(serverLog()) ||
        /VERIFY ERROR.*revoked/i.test(serverLog()),
      30_000,
      () => `client:\n${run.output()}\nserver:\n${serverLog()}`,
    );
    await ns.stop(run.process);
    expect(serverLog()).toMatch(/VERIFY ERROR: depth=0, error=certificate revoked: .*CN=acme\.bob/);
    expect(run.output()).not.toContain('Initialization Sequence Completed');
  }, 60_000);
});
