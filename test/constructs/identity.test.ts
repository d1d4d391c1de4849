import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { addressPool, MAC_POOL, seedOf, vmIdPool } from '../../lib/constructs/private/identity/allocators.ts';
import { IdentityRegistry } from '../../lib/constructs/private/identity/identity-registry.ts';
import {
  cidrContains,
  cidrsOverlap,
  formatCidr,
  netmask,
  parseCidr,
  parseInterfaceAddress,
  parseIpv4,
} from '../../lib/constructs/private/identity/ipv4.ts';
import { App, Stack } from '../../lib/core/index.ts';

describe('ipv4', () => {
  it('GIVEN CIDR text WHEN parsed THEN network and prefix round-trip', () => {
    expect(formatCidr(parseCidr('10.20.0.0/16'))).toBe('10.20.0.0/16');
    expect(netmask(24)).toBe('255.255.255.0');
    expect(cidrContains(parseCidr('10.20.0.0/16'), parseIpv4('10.20.3.7'))).toBe(true);
    expect(cidrContains(parseCidr('10.20.0.0/16'), parseIpv4('10.21.0.1'))).toBe(false);
  });

  it('GIVEN malformed input WHEN parsed THEN the error names it and the fix', () => {
    expect(() => parseCidr('10.20.1.0/16')).toThrow(
      "'10.20.1.0/16' has host bits set; the network is 10.20.0.0/16",
    );
    expect(() => parseCidr('10.20.0.0')).toThrow('is not a CIDR block');
    expect(() => parseIpv4('10.300.0.1')).toThrow('an octet is above 255');
    expect(() => parseInterfaceAddress('10.0.0.1/33')).toThrow('is not an interface address');
  });

  it('GIVEN blocks WHEN compared THEN overlap is detected both ways', () => {
    expect(cidrsOverlap(parseCidr('10.20.0.0/16'), parseCidr('10.20.5.0/24'))).toBe(true);
    expect(cidrsOverlap(parseCidr('10.20.5.0/24'), parseCidr('10.20.0.0/16'))).toBe(true);
    expect(cidrsOverlap(parseCidr('10.20.0.0/16'), parseCidr('10.30.0.0/16'))).toBe(false);
  });
});

describe('allocators', () => {
  const tree = () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-identity-')) });
    return { app, stack: new Stack(app, 's') };
  };

  it('GIVEN a NIC WHEN a MAC is allocated THEN it is in the Proxmox OUI, stable per path and differs per NIC', () => {
    const { stack } = tree();
    const vm = new Construct(stack, 'Vm');
    const registry = new IdentityRegistry();
    const mac0 = registry.allocate('mac_address', vm, MAC_POOL, seedOf('mac:s/Vm/net0'), '/net0');
    const mac1 = registry.allocate('mac_address', vm, MAC_POOL, seedOf('mac:s/Vm/net1'), '/net1');
    expect(mac0).toMatch(/^BC:24:11(:[0-9A-F]{2}){3}$/);
    expect(mac1).not.toBe(mac0);
    expect(
      new IdentityRegistry().allocate('mac_address', vm, MAC_POOL, seedOf('mac:s/Vm/net0'), '/net0'),
    ).toBe(mac0);
    expect(MAC_POOL.parse(mac0)).toBe(MAC_POOL.parse(mac0.toLowerCase()));
  });

  it('GIVEN a block WHEN 200 addresses are allocated THEN all differ and avoid the reserved low range and the broadcast', () => {
    const { stack } = tree();
    const cidr = parseCidr('10.20.0.0/23');
    const pool = addressPool(cidr, 'test addresses', 'the test cidr');
    const registry = new IdentityRegistry();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const a = registry.allocate('ipv4_address', new Construct(stack, `S${i}`), pool, seedOf(`ip:${i % 7}`));
      const host = parseIpv4(a) - cidr.network;
      expect(host).toBeGreaterThanOrEqual(10);
      expect(host).toBeLessThanOrEqual(510);
      seen.add(a);
    }
    expect(seen.size).toBe(200);
  });

  it('GIVEN a pool of three ids WHEN a fourth is asked for THEN the error says how full it is and what widens it', () => {
    const { stack } = tree();
    const pool = vmIdPool(1300, 3, 'VM ids of block 1300-1302', "the cluster's customerVmIds.blockSize");
    const registry = new IdentityRegistry();
    const ids = [0, 1, 2].map((i) => registry.allocate('vm_id', new Construct(stack, `V${i}`), pool, 0));
    expect(ids.sort()).toEqual([1300, 1301, 1302]);
    expect(() => registry.allocate('vm_id', new Construct(stack, 'V3'), pool, 0)).toThrow(
      expect.objectContaining({
        code: 'SYNTH_POOL_EXHAUSTED',
        message: expect.stringContaining('no free vm id left: all 3 VM ids of block 1300-1302 are taken'),
        constructPath: 's/V3',
        hint: expect.stringContaining("the cluster's customerVmIds.blockSize"),
      }),
    );
  });
});

describe('identity registry', () => {
  it('GIVEN two constructs claiming one VM id WHEN synthesized THEN both get an error naming the other', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-identity-')) });
    const s = new Stack(app, 's');
    const a = new Construct(s, 'A');
    const b = new Construct(s, 'B');
    const registry = new IdentityRegistry();
    registry.claim('vm_id', 1300, a);
    registry.claim('vm_id', 1301, a);
    registry.claim('vm_id', 1300, b);
    expect(registry.holderOf('vm_id', 1300)).toBe(a);
    expect(() => app.synth({ write: false })).toThrow(
      /\[s\/A\] vm_id 1300 is also claimed by s\/B \(PVECDK-IDENTITY-COLLISION\)[\s\S]*\[s\/B\] vm_id 1300 is also claimed by s\/A/,
    );
  });

  it('GIVEN MACs differing only in case WHEN claimed THEN they collide', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-identity-')) });
    const s = new Stack(app, 's');
    const registry = new IdentityRegistry();
    registry.claim('mac_address', 'BC:24:11:AA:00:01', new Construct(s, 'A'));
    registry.claim('mac_address', 'bc:24:11:aa:00:01', new Construct(s, 'B'));
    expect(() => app.synth({ write: false })).toThrow(
      /mac_address bc:24:11:aa:00:01 is also claimed by s\/A/,
    );
  });
});
