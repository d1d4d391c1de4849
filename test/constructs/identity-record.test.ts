import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatIdentityFile,
  IDENTITY_FILE_ENV,
  type IdentityFile,
} from '../../lib/constructs/identity/identity-file.ts';
import { Customer, type CustomerProps } from '../../lib/constructs/index.ts';
import { synthIssues, testPlatform } from './fixtures.ts';

const CLUSTER = 'platform/Cluster';

function withRecord(file: IdentityFile | undefined): void {
  if (!file) {
    process.env[IDENTITY_FILE_ENV] = '';
    return;
  }
  const path = join(mkdtempSync(join(tmpdir(), 'pvecdk-record-')), 'pvecdk.identities.json');
  writeFileSync(path, formatIdentityFile(file));
  process.env[IDENTITY_FILE_ENV] = path;
}

afterEach(() => {
  process.env[IDENTITY_FILE_ENV] = '';
});

const customer = (n: number, users: string[], server = 'main'): CustomerProps => ({
  number: n,
  servers: [{ name: server }],
  users: users.map((u) => ({ name: u, vpn: true, servers: [server] })),
});

/** The identities a customer's tree holds after construction, by kind and key. */
function held(platform: ReturnType<typeof testPlatform>['platform']) {
  const stacks = new Map(
    platform.node.root.node
      .findAll()
      .filter((c) => 'stackName' in c)
      .map((s) => [(s as unknown as { stackName: string }).stackName, 'stacks/x.ts']),
  );
  return platform.cluster.identities.section(stacks);
}

describe('identity record', () => {
  it('GIVEN a tunnel of 13 addresses and 12 users WHEN synthesized THEN every user gets a distinct address, none is refused', () => {
    // GIVEN a /28 tunnel: 16 addresses, 2 reserved, network and broadcast out
    withRecord(undefined);
    const { app, platform } = testPlatform({
      vpn: { endpoint: 'vpn.example.com', tunnelNetwork: '10.8.0.0/28' },
    });
    const names = Array.from({ length: 12 }, (_, i) => `u${i}`);
    // WHEN
    new Customer(platform, 'acme', { ...customer(1, names.slice(0, 6), 'acme-main') });
    new Customer(platform, 'globex', { ...customer(2, names.slice(6), 'globex-main') });
    app.synth({ write: false });
    // THEN
    const vpn = held(platform).identities.vpn_address!;
    const addresses = Object.values(vpn).map((e) => e.value);
    expect(addresses).toHaveLength(12);
    expect(new Set(addresses).size).toBe(12);
  });

  it('GIVEN a record holding an address for alice WHEN synthesized THEN alice keeps it and a new user never takes it', () => {
    // GIVEN alice recorded at .77, which bob's hash may well pick
    withRecord({
      version: 1,
      platforms: {
        [CLUSTER]: {
          stacks: { acme: 'stacks/acme.ts' },
          identities: {
            vpn_address: { 'acme/alice': { value: '10.8.0.77', stack: 'acme' } },
            customer_number: { acme: { value: 1, stack: 'acme' } },
          },
        },
      },
    });
    const { app, platform } = testPlatform();
    // WHEN
    new Customer(platform, 'acme', customer(1, ['alice', 'bob'], 'acme-main'));
    app.synth({ write: false });
    // THEN
    const vpn = held(platform).identities.vpn_address!;
    expect(vpn['acme/alice']!.value).toBe('10.8.0.77');
    expect(vpn['acme/bob']!.value).not.toBe('10.8.0.77');
  });

  it('GIVEN globex recorded with number 1 from another file WHEN a new file declares customer 1 THEN synth is refused naming globex and its file', () => {
    // GIVEN
    withRecord({
      version: 1,
      platforms: {
        [CLUSTER]: {
          stacks: { globex: 'stacks/globex.ts' },
          identities: { customer_number: { globex: { value: 1, stack: 'globex' } } },
        },
      },
    });
    const { app, platform } = testPlatform();
    // WHEN
    new Customer(platform, 'initech', customer(1, ['ann'], 'initech-main'));
    // THEN
    expect(() => app.synth({ write: false })).toThrow(
      /\[initech\] customer_number 1 is already held by globex \(stack globex, declared in stacks\/globex\.ts\)/,
    );
  });

  it('GIVEN a record WHEN a loaded customer drops a user THEN the section lets the user go and keeps stacks not loaded', () => {
    // GIVEN
    withRecord({
      version: 1,
      platforms: {
        [CLUSTER]: {
          stacks: { acme: 'stacks/acme.ts', globex: 'stacks/globex.ts' },
          identities: {
            vpn_address: {
              'acme/gone': { value: '10.8.0.50', stack: 'acme' },
              'globex/carol': { value: '10.8.0.51', stack: 'globex' },
            },
          },
        },
      },
    });
    const { platform } = testPlatform();
    new Customer(platform, 'acme', customer(1, ['alice'], 'acme-main'));
    // WHEN
    const section = held(platform);
    // THEN
    expect(section.identities.vpn_address!['acme/gone']).toBeUndefined();
    expect(section.identities.vpn_address!['globex/carol']).toEqual({ value: '10.8.0.51', stack: 'globex' });
    expect(section.identities.vpn_address!['acme/alice']).toBeDefined();
    expect(section.stacks.globex).toBe('stacks/globex.ts');
  });

  it('GIVEN a server pinned to an address another file holds WHEN synthesized THEN both paths and the file are named', () => {
    withRecord({
      version: 1,
      platforms: {
        [CLUSTER]: {
          stacks: { globex: 'stacks/globex.ts' },
          identities: { ipv4_address: { 'globex/globex-main': { value: '10.20.2.40', stack: 'globex' } } },
        },
      },
    });
    const { app, platform } = testPlatform();
    new Customer(platform, 'acme', {
      number: 1,
      servers: [{ name: 'acme-main', address: '10.20.2.40' }],
      users: [],
    });
    expect(() => app.synth({ write: false })).toThrow(
      /\[acme\/acme-main\] ipv4_address 10\.20\.2\.40 is already held by globex\/globex-main \(stack globex, declared in stacks\/globex\.ts\)/,
    );
  });

  it('GIVEN vpnAddress on a user without VPN WHEN constructed THEN it is refused naming the prop', () => {
    withRecord(undefined);
    const { app, platform } = testPlatform();
    new Customer(platform, 'acme', {
      number: 1,
      servers: [{ name: 'acme-main' }],
      users: [{ name: 'ann', vpn: false, vpnAddress: '10.8.0.20', servers: ['acme-main'] }],
    });
    expect(synthIssues(app)).toEqual([
      expect.objectContaining({
        code: 'SYNTH_INVALID_PROPS',
        path: 'acme',
        message:
          "users[0] (ann).vpnAddress = '10.8.0.20': set but vpn is false, so the address would never be used",
      }),
    ]);
  });
});

describe('identity pool usage', () => {
  it('GIVEN two customers and a record of a third WHEN usage is asked THEN each pool counts what the tree and the record hold', () => {
    // GIVEN globex lives in another file, known only from the record
    withRecord({
      version: 1,
      platforms: {
        [CLUSTER]: {
          stacks: { globex: 'stacks/globex.ts' },
          identities: {
            customer_number: { globex: { value: 7, stack: 'globex' } },
            vpn_address: { 'globex/carol': { value: '10.8.0.51', stack: 'globex' } },
          },
        },
      },
    });
    const { platform } = testPlatform();
    new Customer(platform, 'acme', customer(1, ['alice', 'bob'], 'acme-main'));
    new Customer(platform, 'initech', customer(2, ['ann'], 'initech-main'));
    // WHEN
    const usage = platform.cluster.identities.usage();
    const of = (describe: string) => usage.find((u) => u.describe === describe);
    // THEN
    expect(of('tunnel addresses in 10.8.0.0/20')).toMatchObject({ used: 4, size: 4093 });
    expect(of('customer numbers (9000 VM id blocks)')).toMatchObject({
      used: 3,
      size: 9000,
      widenedBy: "the cluster's customerVmIds.blocks",
    });
    expect(of('customer LAN slices (a /24 each) of 10.20.0.0/16')).toMatchObject({ used: 3, size: 255 });
    const blocks = usage.filter((u) => u.group === 'VM ids of a customer block');
    expect(blocks.map((b) => b.used)).toEqual([1, 1]);
  });
});
