import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  addressFromSeed,
  macFromSeed,
  vmIdFromSeed,
} from '../../lib/constructs/private/identity/allocators.ts';
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
  it('GIVEN a seed WHEN a MAC is derived THEN it is in the Proxmox OUI, stable and differs per seed', () => {
    const mac = macFromSeed('prod/acme/Db/Vm/net0');
    expect(mac).toMatch(/^BC:24:11(:[0-9A-F]{2}){3}$/);
    expect(macFromSeed('prod/acme/Db/Vm/net0')).toBe(mac);
    expect(macFromSeed('prod/acme/Db/Vm/net1')).not.toBe(mac);
  });

  it('GIVEN a block WHEN addresses are derived THEN they avoid the reserved low range and the broadcast', () => {
    const cidr = parseCidr('10.20.3.0/24');
    for (let i = 0; i < 200; i++) {
      const host = parseIpv4(addressFromSeed(cidr, `server-${i}`)) - cidr.network;
      expect(host).toBeGreaterThanOrEqual(10);
      expect(host).toBeLessThanOrEqual(254);
    }
  });

  it('GIVEN a VM id block WHEN ids are derived THEN they stay inside it and are stable', () => {
    const ids = ['main', 'test', 'archive'].map((s) => vmIdFromSeed(1300, 100, s));
    for (const id of ids) expect(id).toBeGreaterThanOrEqual(1300);
    for (const id of ids) expect(id).toBeLessThan(1400);
    expect(vmIdFromSeed(1300, 100, 'main')).toBe(ids[0]);
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
