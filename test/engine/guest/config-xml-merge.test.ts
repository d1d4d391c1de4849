import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  checkConfigXml,
  findOwnedEntries,
  mergeOwnedEntries,
} from '../../../lib/engine/guest/pfsense/config-xml-merge.ts';
import {
  OWNED_DESCRIPTION_PREFIX,
  OWNED_TRACKERS,
  PFSENSE_ENTRY_KINDS,
} from '../../../lib/engine/guest/pfsense/pfsense-entry-kinds.ts';
import { ownedEntriesOf } from '../../../lib/engine/guest/pfsense/section-entries.ts';
import {
  OWNED_PREFIX,
  renderFilterRules,
  renderOpenVpnCsc,
  renderPortForwards,
  ruleTracker,
} from '../../../lib/render/index.ts';
import { PFSENSE_CONFIG_XML, routerSections, vpnRule } from './pfsense-fixture.ts';

/** Slices of the fixture made by hand: each must survive every merge byte for byte. */
const HAND_MADE = [
  /<!-- operator: [^>]*-->/,
  /<rule>\s*<id><\/id>\s*<tracker>0100000101[\s\S]*?<\/rule>/,
  /<separator>[\s\S]*?<\/separator>/,
  /<rule>\s*<tracker>1701234567[\s\S]*?<\/rule>/,
  /<opt2 note="hand-made">[\s\S]*?<\/opt2>/,
  /<system>[\s\S]*?<\/system>/,
  /<revision>[\s\S]*?<\/revision>/,
  /<cert>\s*<refid>65a1b2c3d4e5f[\s\S]*?<\/cert>/,
  /<nat>[\s\S]*?<\/nat>/,
  /<installedpackages>[\s\S]*?<\/installedpackages>/,
].map((re) => re.exec(PFSENSE_CONFIG_XML)![0]);

function platformSections(rules = [vpnRule('VPN clients to the RDS host'), vpnRule('Second', '443')]) {
  return routerSections({
    interfaces: [
      {
        key: 'wan',
        device: 'vtnet0',
        description: 'WAN',
        address: '203.0.113.10',
        prefix: 24,
        gatewayName: 'WANGW',
      },
      { key: 'lan', device: 'vtnet1', description: 'LAN', address: '10.20.0.1', prefix: 16 },
      { key: 'opt1', device: 'vtnet2', description: 'DMZ', address: '10.30.0.1', prefix: 24 },
    ],
    gateways: [{ name: 'WANGW', interface: 'wan', address: '203.0.113.1', description: 'Internet' }],
    rules,
  });
}

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (n) => n === 'rule' });
// biome-ignore lint/suspicious/noExplicitAny: parsed XML, read only in assertions
type Parsed = any;
const parsed = (xml: string): Parsed => parser.parse(xml).pfsense;

describe('config.xml merge', () => {
  it("GIVEN a router's config.xml with hand-made rules WHEN pvecdk's sections are merged THEN its entries are in and every hand-made byte is kept", () => {
    const merged = mergeOwnedEntries(PFSENSE_CONFIG_XML, ownedEntriesOf(platformSections()));

    checkConfigXml(merged, 'merged');
    for (const slice of HAND_MADE) expect(merged).toContain(slice);
    const cfg = parsed(merged);
    expect(cfg.filter.rule.map((r: Parsed) => r.descr)).toEqual([
      'Default allow LAN to any rule',
      'hand: no ssh from mgmt & friends <test>',
      `${OWNED_PREFIX}VPN clients to the RDS host`,
      `${OWNED_PREFIX}Second`,
    ]);
    expect(Object.keys(cfg.interfaces)).toEqual(['wan', 'lan', 'opt1', 'opt2']);
    expect(cfg.interfaces.wan.ipaddr).toBe('203.0.113.10');
    expect(cfg.gateways.gateway_item.name).toBe('WANGW');
    expect(cfg.openvpn['openvpn-server'].vpnid).toBe('1');
    expect(cfg.cert.map((c: Parsed) => c.refid)).toEqual([
      '65a1b2c3d4e5f',
      expect.stringMatching(/^[0-9a-f]{13}$/),
    ]);
    // Written in the file's own style: tab indentation, one level per element.
    expect(merged).toMatch(/\n\t\t<rule>\n\t\t\t<tracker>3\d{9}<\/tracker>/);
    expect(merged).not.toMatch(/\n {2,}</);
  });

  it('GIVEN a config.xml already merged WHEN the same sections are merged again THEN the text is unchanged', () => {
    const once = mergeOwnedEntries(PFSENSE_CONFIG_XML, ownedEntriesOf(platformSections()));
    expect(mergeOwnedEntries(once, ownedEntriesOf(platformSections()))).toBe(once);
  });

  it("GIVEN one of pvecdk's rules edited by hand WHEN merged THEN that rule is put back in its place and hand-made rules stay", () => {
    const once = mergeOwnedEntries(PFSENSE_CONFIG_XML, ownedEntriesOf(platformSections()));
    const drifted = once
      .replace('<port>443</port>', '<port>4443</port>')
      .replace('pvecdk: Second', 'renamed');
    expect(drifted).not.toBe(once);
    expect(mergeOwnedEntries(drifted, ownedEntriesOf(platformSections()))).toBe(once);
  });

  it('GIVEN a rule that left the plan WHEN merged with the former sections THEN it is removed, by its tracker or by its mark', () => {
    const former = platformSections();
    const once = mergeOwnedEntries(PFSENSE_CONFIG_XML, ownedEntriesOf(former));
    const fewer = platformSections([vpnRule('VPN clients to the RDS host')]);

    const withState = mergeOwnedEntries(once, ownedEntriesOf(fewer, former));
    // State lost: the `pvecdk: ` mark and the tracker range still say whose it is.
    const withoutState = mergeOwnedEntries(once, ownedEntriesOf(fewer));

    for (const merged of [withState, withoutState]) {
      expect(parsed(merged).filter.rule.map((r: Parsed) => r.descr)).toEqual([
        'Default allow LAN to any rule',
        'hand: no ssh from mgmt & friends <test>',
        `${OWNED_PREFIX}VPN clients to the RDS host`,
      ]);
      for (const slice of HAND_MADE) expect(merged).toContain(slice);
    }
  });

  it("GIVEN pvecdk's entries merged WHEN deleted THEN only they go: interfaces stay, hand-made entries stay byte for byte", () => {
    const former = platformSections();
    const once = mergeOwnedEntries(PFSENSE_CONFIG_XML, ownedEntriesOf(former));
    const deleted = mergeOwnedEntries(once, ownedEntriesOf({}, former));

    for (const slice of HAND_MADE) expect(deleted).toContain(slice);
    const cfg = parsed(deleted);
    expect(cfg.filter.rule).toHaveLength(2);
    expect(cfg.openvpn).toBe('');
    expect(cfg.cert.refid).toBe('65a1b2c3d4e5f');
    expect(cfg.ca).toBeUndefined();
    expect(Object.keys(cfg.interfaces)).toEqual(['wan', 'lan', 'opt1', 'opt2']);
    // What pvecdk wrote outside the interfaces is gone; only its own removals changed the text.
    expect(deleted.replace(/<interfaces>[\s\S]*<\/interfaces>/, '')).not.toContain('pvecdk');
  });

  it('GIVEN self-closing and missing containers WHEN entries are merged THEN the containers are opened or made', () => {
    const bare = '<?xml version="1.0"?>\n<pfsense>\n\t<version>23.3</version>\n\t<filter/>\n</pfsense>\n';
    const merged = mergeOwnedEntries(
      bare,
      ownedEntriesOf({
        filter: renderFilterRules([vpnRule('One')]),
        nat: renderPortForwards([
          {
            interface: 'wan',
            protocol: 'tcp',
            externalPort: '8443',
            target: '10.30.0.5',
            targetPort: '443',
            description: 'web',
          },
        ]),
      }),
    );
    checkConfigXml(merged, 'merged');
    const cfg = parsed(merged);
    expect(cfg.filter.rule[0].descr).toBe(`${OWNED_PREFIX}One`);
    expect(cfg.nat.rule[0]['local-port']).toBe('443');
    expect(merged).toContain('\t<nat>\n\t\t<rule>\n\t\t\t<interface>wan</interface>');
    expect(merged.endsWith('</pfsense>\n')).toBe(true);
  });

  it('GIVEN the VPN user entries WHEN a certificate, a CRL and a client override are merged THEN they sit beside the server and hand-made certificates', () => {
    const once = mergeOwnedEntries(PFSENSE_CONFIG_XML, ownedEntriesOf(platformSections()));
    const csc = renderOpenVpnCsc(1, {
      commonName: 'acme.alice',
      tunnelAddress: '10.8.0.10',
      tunnelPrefix: 20,
      description: 'acme.alice',
    });
    const userCert =
      '<cert>\n  <refid>0123456789abc</refid>\n  <descr>acme.alice</descr>\n  <caref>470b7dd06a1bc</caref>\n  <crt>{{secret:generated:vpn/users/acme.alice.crt}}</crt>\n</cert>';
    const crl =
      '<crl>\n  <refid>fedcba9876543</refid>\n  <descr>pvecdk revocations</descr>\n  <caref>470b7dd06a1bc</caref>\n  <text>{{secret:generated:vpn/crl.pem}}</text>\n</crl>';
    const merged = mergeOwnedEntries(once, [
      { kind: PFSENSE_ENTRY_KINDS.cert, wanted: [userCert] },
      { kind: PFSENSE_ENTRY_KINDS.crl, wanted: [crl] },
      { kind: PFSENSE_ENTRY_KINDS.openvpnCsc, wanted: [csc] },
    ]);
    const cfg = parsed(merged);
    expect(cfg.cert.map((c: Parsed) => c.descr)).toEqual([
      'webConfigurator default (65a1b2c3d4e5f)',
      'pvecdk-vpn-server',
      'acme.alice',
    ]);
    expect(cfg.crl.refid).toBe('fedcba9876543');
    expect(cfg.openvpn['openvpn-server'].vpnid).toBe('1');
    expect(cfg.openvpn['openvpn-csc'].tunnel_network).toBe('10.8.0.10/20');
    expect(findOwnedEntries(merged, PFSENSE_ENTRY_KINDS.openvpnCsc, ['acme.alice'])).toEqual([
      { key: 'acme.alice', xml: expect.stringContaining('<common_name>acme.alice</common_name>') },
    ]);

    // The user leaves: their override and certificate go, the server config does not.
    const removed = mergeOwnedEntries(merged, [
      { kind: PFSENSE_ENTRY_KINDS.cert, wanted: [], formerKeys: ['0123456789abc'] },
      { kind: PFSENSE_ENTRY_KINDS.openvpnCsc, wanted: [], formerKeys: ['acme.alice'] },
    ]);
    expect(removed).toBe(mergeOwnedEntries(once, [{ kind: PFSENSE_ENTRY_KINDS.crl, wanted: [crl] }]));
  });

  it('GIVEN a config.xml that is not well-formed WHEN merged THEN PFSENSE_CONFIG_INVALID names the line and nothing is returned', () => {
    const broken = PFSENSE_CONFIG_XML.replace('</lan>\n\t\t<opt2', '</lan>\n\t\t</interfaces><opt2');
    expect(() => mergeOwnedEntries(broken, ownedEntriesOf(platformSections()))).toThrow(
      expect.objectContaining({
        code: 'PFSENSE_CONFIG_INVALID',
        message: expect.stringMatching(/at line \d+/),
      }),
    );
    expect(() => checkConfigXml('<opnsense/>', 'config.xml on VM 100')).toThrow(
      expect.objectContaining({
        code: 'PFSENSE_CONFIG_INVALID',
        message: expect.stringContaining('<pfsense>'),
      }),
    );
  });

  it("GIVEN the renderers' marks WHEN compared with the engine's THEN they are the same", () => {
    expect(OWNED_DESCRIPTION_PREFIX).toBe(OWNED_PREFIX);
    for (const identity of ['a', 'wan|OpenVPN clients', 'nat|web', 'x'.repeat(200)]) {
      const tracker = ruleTracker(identity);
      expect(tracker).toBeGreaterThanOrEqual(OWNED_TRACKERS.first);
      expect(tracker).toBeLessThan(OWNED_TRACKERS.first + OWNED_TRACKERS.count);
    }
  });
});
