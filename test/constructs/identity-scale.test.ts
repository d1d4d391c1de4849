import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatIdentityFile,
  IDENTITY_FILE_ENV,
  type IdentitySection,
  releaseStacks,
} from '../../lib/constructs/identity/identity-file.ts';
import { Customer } from '../../lib/constructs/index.ts';
import { Stack } from '../../lib/core/index.ts';
import { testPlatform } from './fixtures.ts';

const RECORD = join(mkdtempSync(join(tmpdir(), 'pvecdk-scale-')), 'pvecdk.identities.json');
afterEach(() => {
  process.env[IDENTITY_FILE_ENV] = '';
});

interface Model {
  /** Customer number → user names. */
  readonly customers: Map<number, string[]>;
}

/**
 * Builds the platform and every customer of the model, with `recorded` as
 * what earlier runs wrote to the identity record. A /26 tunnel network makes
 * first choices collide often, so values come from probing past holders.
 */
function build(model: Model, recorded: IdentitySection | undefined, tunnelNetwork = '10.8.0.0/20') {
  writeFileSync(
    RECORD,
    formatIdentityFile({ version: 1, platforms: recorded ? { 'platform/Cluster': recorded } : {} }),
  );
  process.env[IDENTITY_FILE_ENV] = RECORD;
  const { app, platform } = testPlatform({ vpn: { endpoint: 'vpn.example.com', tunnelNetwork } });
  for (const [n, users] of [...model.customers].sort(([a], [b]) => a - b)) {
    const servers = [`c${n}-a`, `c${n}-b`];
    new Customer(platform, `c${n}`, {
      number: n,
      servers: servers.map((name) => ({ name })),
      users: users.map((name) => ({ name, vpn: true, servers })),
    });
  }
  const stacks = new Map(
    app.node
      .findAll()
      .filter(Stack.isStack)
      .map((s) => [s.stackName, `stacks/${s.stackName}.ts`]),
  );
  const section = platform.cluster.identities.section(stacks);
  // A removed customer is a deleted stack file: the CLI lets go of what it held.
  releaseStacks(section, (name) => !stacks.has(name));
  return { app, section };
}

function values(section: IdentitySection): Map<string, string | number> {
  const out = new Map<string, string | number>();
  for (const [kind, entries] of Object.entries(section.identities))
    for (const [key, entry] of Object.entries(entries ?? {})) out.set(`${kind} ${key}`, entry.value);
  return out;
}

/** A small seeded generator (mulberry32): the same seed gives the same walk on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('identities at scale', () => {
  it('GIVEN 250 customers of 8 users and 2 servers WHEN synthesized THEN no identity collides', () => {
    // GIVEN
    const customers = new Map<number, string[]>();
    for (let n = 1; n <= 250; n++)
      customers.set(
        n,
        Array.from({ length: 8 }, (_, u) => `c${n}.u${u}`),
      );
    // WHEN
    const { app, section } = build({ customers }, undefined);
    // THEN: synthesis passes (a collision is a synth error) and every value is held once
    expect(() => app.synth({ write: false })).not.toThrow();
    for (const [kind, entries] of Object.entries(section.identities)) {
      const held = Object.values(entries ?? {}).map((e) => String(e.value).toLowerCase());
      expect(new Set(held).size, kind).toBe(held.length);
    }
    expect(Object.keys(section.identities.vpn_address ?? {})).toHaveLength(2000);
    expect(Object.keys(section.identities.vm_id ?? {}).length).toBeGreaterThanOrEqual(500);
  });

  it('GIVEN a seeded walk of 200 steps adding and removing customers and users WHEN each step is built from the last record THEN no identity that stays ever moves', () => {
    // GIVEN
    const next = random(20261207);
    const customers = new Map<number, string[]>();
    for (let n = 1; n <= 6; n++) customers.set(n, [`c${n}.u0`, `c${n}.u1`]);
    let serial = 2;
    const TUNNEL = '10.8.0.0/26';
    let { section } = build({ customers }, undefined, TUNNEL);
    let moved = 0;
    // WHEN
    for (let step = 0; step < 200; step++) {
      const r = next();
      const numbers = [...customers.keys()];
      const pick = numbers[Math.floor(next() * numbers.length)]!;
      if (r < 0.2 && customers.size < 12) {
        const free = Array.from({ length: 40 }, (_, i) => i + 1).filter((n) => !customers.has(n));
        const n = free[Math.floor(next() * free.length)]!;
        customers.set(n, [`c${n}.u${serial++}`]);
      } else if (r < 0.35 && customers.size > 2) {
        customers.delete(pick);
      } else if (r < 0.75 && [...customers.values()].flat().length < 40) {
        customers.get(pick)!.push(`c${pick}.u${serial++}`);
      } else if (customers.get(pick)!.length > 1) {
        const users = customers.get(pick)!;
        users.splice(Math.floor(next() * users.length), 1);
      }
      const before = values(section);
      section = build({ customers }, section, TUNNEL).section;
      // THEN: what was held and is still held has the same value
      for (const [key, value] of values(section)) if (before.has(key) && before.get(key) !== value) moved++;
    }
    expect(moved).toBe(0);
    expect(serial).toBeGreaterThan(60);
  });
});
