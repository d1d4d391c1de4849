import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  refid,
  renderAliases,
  renderFilterRules,
  renderInterfaces,
  renderOpenVpnCertificates,
  renderOpenVpnCsc,
  renderOpenVpnServer,
  renderPortForwards,
  ruleTracker,
  secretMarkersIn,
} from '../../lib/render/index.ts';

const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(xml);

const rules = [
  {
    interface: 'wan',
    type: 'pass',
    protocol: 'udp',
    source: 'any',
    destination: 'wanip',
    destinationPort: '1194',
    description: 'OpenVPN',
  },
  {
    interface: 'openvpn',
    type: 'pass',
    protocol: 'tcp',
    source: '10.8.0.0/20',
    destination: '10.30.0.10',
    destinationPort: '3389',
    description: 'VPN to RDS',
  },
  {
    interface: 'opt1',
    type: 'pass',
    protocol: 'tcp',
    source: '10.30.0.10',
    destination: 'lan',
    destinationPort: '19812-19815',
    description: 'RDS to 4D',
  },
] as const;

const server = {
  vpnId: 1,
  description: 'customers',
  port: 1194,
  tunnelNetwork: '10.8.0.0/20',
  localNetworks: ['10.30.0.0/24'],
  caName: 'pvecdk-vpn-ca',
  serverCertName: 'pvecdk-vpn-server',
  secrets: {
    caCert: 'generated:vpn/ca.crt',
    caKey: 'generated:vpn/ca.key',
    serverCert: 'generated:vpn/server.crt',
    serverKey: 'generated:vpn/server.key',
    tlsCrypt: 'generated:vpn/tls-crypt.key',
  },
};

describe('pfSense config sections', () => {
  it('GIVEN the three interfaces WHEN rendered THEN vtnet0/1/2 map to wan/lan/opt1 with addresses', () => {
    const xml = renderInterfaces([
      {
        key: 'wan',
        device: 'vtnet0',
        description: 'WAN',
        address: '203.0.113.10',
        prefix: 24,
        gatewayName: 'WANGW',
        blockPrivate: true,
      },
      { key: 'lan', device: 'vtnet1', description: 'LAN', address: '10.20.0.1', prefix: 16 },
      { key: 'opt1', device: 'vtnet2', description: 'DMZ', address: '10.30.0.1', prefix: 24 },
    ]);
    const doc = parse(xml).interfaces;
    expect(doc.wan).toEqual({
      enable: '',
      if: 'vtnet0',
      descr: 'WAN',
      ipaddr: '203.0.113.10',
      subnet: '24',
      gateway: 'WANGW',
      blockpriv: '',
      blockbogons: '',
    });
    expect(doc.lan.if).toBe('vtnet1');
    expect(doc.opt1).toMatchObject({ if: 'vtnet2', ipaddr: '10.30.0.1', subnet: '24', descr: 'DMZ' });
  });

  it('GIVEN filter rules WHEN rendered twice THEN trackers are stable, unique and in pvecdk range', () => {
    const a = renderFilterRules(rules);
    expect(renderFilterRules(rules)).toBe(a);
    const parsed = parse(a).filter.rule as Array<Record<string, unknown>>;
    const trackers = parsed.map((r) => Number(r.tracker));
    expect(new Set(trackers).size).toBe(3);
    for (const t of trackers) expect(t).toBeGreaterThanOrEqual(3_000_000_000);
    expect(trackers[0]).toBe(ruleTracker('wan|OpenVPN'));
    expect(parsed[1]).toMatchObject({
      type: 'pass',
      interface: 'openvpn',
      protocol: 'tcp',
      source: { address: '10.8.0.0/20' },
      destination: { address: '10.30.0.10', port: '3389' },
      descr: 'pvecdk: VPN to RDS',
    });
    expect(parsed[2]!.destination).toEqual({ network: 'lan', port: '19812:19815' });
    expect(parsed[0]!.source).toEqual({ any: '' });
  });

  it('GIVEN two rules with the same identity WHEN rendered THEN they still get distinct trackers', () => {
    const parsed = parse(renderFilterRules([rules[0], rules[0]])).filter.rule as Array<{ tracker: string }>;
    expect(Number(parsed[1]!.tracker)).toBe(Number(parsed[0]!.tracker) + 1);
  });

  it('GIVEN aliases and port forwards WHEN rendered THEN they parse back with owned descriptions', () => {
    const aliases = parse(
      renderAliases([{ name: 'rds_host', type: 'host', entries: ['10.30.0.10'], description: 'RDS' }]),
    );
    expect(aliases.aliases.alias).toMatchObject({
      name: 'rds_host',
      type: 'host',
      address: '10.30.0.10',
      descr: 'pvecdk: RDS',
    });
    const nat = parse(
      renderPortForwards([
        {
          interface: 'wan',
          protocol: 'tcp',
          externalPort: '443',
          target: '10.30.0.20',
          targetPort: '443',
          description: 'web',
        },
      ]),
    );
    expect(nat.nat.rule).toMatchObject({
      target: '10.30.0.20',
      'local-port': '443',
      destination: { network: 'wanip', port: '443' },
    });
  });

  it('GIVEN bad inputs WHEN rendered THEN the error names the field', () => {
    expect(() => renderFilterRules([{ ...rules[0], destinationPort: '70000' }])).toThrow(
      "rules[0].destinationPort: '70000' is not a port",
    );
    expect(() =>
      renderInterfaces([{ key: 'dmz', device: 'vtnet2', description: 'x', address: '10.0.0.1', prefix: 24 }]),
    ).toThrow("interfaces[0].key: 'dmz' is not wan, lan or optN");
    expect(() =>
      renderAliases([{ name: 'bad-name', type: 'host', entries: ['1.1.1.1'], description: '' }]),
    ).toThrow('aliases[0].name');
  });
});

describe('OpenVPN on pfSense', () => {
  it('GIVEN a server WHEN rendered THEN mode, tls-crypt, ciphers, tunnel and DMZ-only routes are set, no gateway redirect', () => {
    const doc = parse(
      renderOpenVpnServer(server, [
        { commonName: 'acme.alice', tunnelAddress: '10.8.0.23', tunnelPrefix: 20, description: 'alice' },
      ]),
    );
    const s = doc.openvpn['openvpn-server'];
    expect(s).toMatchObject({
      mode: 'server_tls',
      protocol: 'UDP4',
      dev_mode: 'tun',
      tls_type: 'crypt',
      data_ciphers: 'AES-256-GCM,AES-128-GCM,CHACHA20-POLY1305',
      tunnel_network: '10.8.0.0/20',
      local_network: '10.30.0.0/24',
      caref: refid('pvecdk-vpn-ca'),
      topology: 'subnet',
    });
    expect(s.gwredir).toBeUndefined();
    expect(doc.openvpn['openvpn-csc']).toMatchObject({
      common_name: 'acme.alice',
      tunnel_network: '10.8.0.23/20',
      server_list: '1',
    });
  });

  it('GIVEN the certificates WHEN rendered THEN key material is only secret markers, refids are 13 hex', () => {
    const { ca, cert } = renderOpenVpnCertificates(server);
    expect(parse(ca).ca.refid).toMatch(/^[0-9a-f]{13}$/);
    expect(parse(cert).cert.caref).toBe(parse(ca).ca.refid);
    expect(secretMarkersIn(ca + cert)).toEqual([
      'generated:vpn/ca.crt',
      'generated:vpn/ca.key',
      'generated:vpn/server.crt',
      'generated:vpn/server.key',
    ]);
    expect(ca).not.toMatch(/BEGIN/);
  });

  it('GIVEN a client with a bad name or address WHEN rendered THEN the field is named', () => {
    expect(() =>
      renderOpenVpnCsc(1, {
        commonName: 'Alice Smith',
        tunnelAddress: '10.8.0.2',
        tunnelPrefix: 20,
        description: '',
      }),
    ).toThrow('commonName');
    expect(() =>
      renderOpenVpnCsc(1, {
        commonName: 'alice',
        tunnelAddress: '10.8.0',
        tunnelPrefix: 20,
        description: '',
      }),
    ).toThrow('tunnelAddress');
    expect(() => renderOpenVpnServer({ ...server, dataCiphers: ['BF-CBC'] })).toThrow(
      "dataCiphers: 'BF-CBC' is not an AEAD cipher",
    );
  });
});

describe('WireGuard on pfSense', () => {
  it('GIVEN a tunnel and a peer WHEN rendered THEN they parse back with keys as markers', async () => {
    const { renderWireGuardPeer, renderWireGuardTunnel } = await import('../../lib/render/index.ts');
    const tunnel = parse(
      renderWireGuardTunnel({
        name: 'tun_wg0',
        listenPort: 51820,
        address: '10.9.0.1',
        prefix: 24,
        privateKeySecret: 'generated:wg/server.key',
        description: 'customers',
      }),
    );
    expect(tunnel.tunnels.item).toMatchObject({
      name: 'tun_wg0',
      enabled: 'yes',
      listenport: '51820',
      privatekey: '{{secret:generated:wg/server.key}}',
    });
    expect(tunnel.tunnels.item.addresses.row).toEqual({
      address: '10.9.0.1',
      mask: '24',
      descr: 'customers',
    });
    const peer = parse(
      renderWireGuardPeer({
        tunnel: 'tun_wg0',
        description: 'alice',
        publicKeySecret: 'generated:wg/u/a.pub',
        address: '10.9.0.7',
      }),
    );
    expect(peer.item).toMatchObject({
      tun: 'tun_wg0',
      publickey: '{{secret:generated:wg/u/a.pub}}',
      allowedips: { row: { address: '10.9.0.7', mask: '32' } },
    });
    expect(() =>
      renderWireGuardTunnel({
        name: 'wg0',
        listenPort: 51820,
        address: '10.9.0.1',
        prefix: 24,
        privateKeySecret: 'generated:k',
        description: '',
      }),
    ).toThrow("name: 'wg0' is not a tunnel name such as tun_wg0");
  });
});
