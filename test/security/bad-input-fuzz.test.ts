import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../lib/cli/config.ts';
import { Customer } from '../../lib/constructs/index.ts';
import { writeAssembly } from '../../lib/core/synthesizer.ts';
import { loadAssembly } from '../../lib/engine/plan-loader.ts';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { StateStore } from '../../lib/engine/state-store.ts';
import { testPlatform } from '../constructs/fixtures.ts';
import { badFileText, codedOrFine, FUZZ, mutated, snapshot } from './fuzz-support.ts';

type Json = Parameters<typeof mutated>[0];

const ACME_PROPS = {
  number: 1,
  description: 'Acme Corp',
  servers: [{ name: 'acme-main', cores: 4, memoryMiB: 8192, dataDiskGb: 100 }],
  users: [
    { name: 'acme.alice', fullName: 'Alice Martin', vpn: true, servers: ['acme-main'] },
    { name: 'acme.bob', fullName: 'Bob Durand', vpn: true, servers: ['acme-main'] },
  ],
};

/** The plans of a platform and acme, as synth writes them. */
function validPlans(): string {
  const { app, platform } = testPlatform();
  new Customer(platform, 'acme', ACME_PROPS);
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-fuzz-plans-'));
  writeAssembly(app.synth({ write: false }), dir);
  return dir;
}

describe('bad input: always a coded error, never a crash, a hang or a write (fast-check, fixed seed)', () => {
  it('GIVEN plan files and a manifest with anything in them WHEN loaded THEN they load or PLAN_* names the file, and nothing is written', () => {
    const valid = validPlans();
    const files = ['manifest.json', 'platform.plan.json', 'acme.plan.json'];
    const originals = new Map(
      files.map((f) => [f, JSON.parse(readFileSync(join(valid, f), 'utf8')) as Json]),
    );
    const work = mkdtempSync(join(tmpdir(), 'pvecdk-fuzz-load-'));
    const tally = new Map<string, number>();
    fc.assert(
      fc.property(
        fc
          .constantFrom(...files)
          .chain((file) => badFileText(originals.get(file)!).map((text) => ({ file, text }))),
        ({ file, text }) => {
          rmSync(work, { recursive: true, force: true });
          cpSync(valid, work, { recursive: true });
          writeFileSync(join(work, file), text);
          const before = snapshot(work);
          codedOrFine(() => loadAssembly(work), tally);
          expect(snapshot(work)).toEqual(before);
        },
      ),
      FUZZ,
    );
    // Not vacuous: inputs were refused, and refused as plans.
    expect([...tally.keys()].filter((k) => k !== 'ok')).toEqual(['PLAN_INVALID']);
  });

  it('GIVEN a cdk.json with anything in it WHEN read THEN it is read or CLI_CONFIG says what is wrong, and nothing is written', () => {
    const valid: Json = {
      output: 'cdk.out',
      stateDir: '.pvecdk',
      remotes: {
        lab: {
          hosts: ['https://pve1.example.com:8006', 'https://pve2.example.com:8006'],
          tokenId: 'pvecdk@pve!deploy',
          tokenSecret: 'env:PVECDK_LAB_SECRET',
          fingerprint: `${'AB:'.repeat(31)}AB`,
          concurrency: 4,
        },
      },
      context: { customerCount: 3 },
    };
    const dir = mkdtempSync(join(tmpdir(), 'pvecdk-fuzz-config-'));
    const tally = new Map<string, number>();
    fc.assert(
      fc.property(badFileText(valid), (text) => {
        writeFileSync(join(dir, 'cdk.json'), text);
        codedOrFine(() => loadProjectConfig(dir), tally);
        expect(readFileSync(join(dir, 'cdk.json'), 'utf8')).toBe(text);
      }),
      FUZZ,
    );
    expect([...tally.keys()].sort()).toEqual(['CLI_CONFIG', 'ok']);
  });

  it('GIVEN a stack state file with anything in it WHEN opened THEN it opens or ENGINE_STATE_CORRUPT names the file, and the file is left as it was', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'pvecdk-fuzz-state-'));
    const valid: Json = {
      version: 1,
      stack: 'acme',
      remote: 'default',
      serial: 7,
      resources: {
        'acme/Pool': {
          type: 'proxmox_virtual_environment_pool',
          path: 'acme/Pool',
          attributes: { pool_id: 'customer-acme' },
          properties: { pool_id: 'customer-acme', comment: 'acme' },
          dependsOn: [],
        },
      },
      outputs: {},
    };
    const file = join(stateDir, 'state', 'default', 'acme.json');
    const tally = new Map<string, number>();
    mkdirSync(join(stateDir, 'state', 'default'), { recursive: true });
    writeFileSync(file, JSON.stringify(valid));
    expect(StateStore.open(stateDir, 'default', 'acme').state.serial).toBe(7);
    fc.assert(
      fc.property(badFileText(valid), (text) => {
        writeFileSync(file, text);
        const before = snapshot(stateDir);
        codedOrFine(() => StateStore.open(stateDir, 'default', 'acme'), tally);
        expect(snapshot(stateDir)).toEqual(before);
      }),
      FUZZ,
    );
    expect([...tally.keys()].sort()).toEqual(['ENGINE_STATE_CORRUPT', 'ok']);
  });

  it('GIVEN a secret store file with anything in it WHEN opened and read THEN it works or SECRET_STORE_CORRUPT says so without showing a value, and the file is left as it was', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'pvecdk-fuzz-secrets-'));
    const valid: Json = {
      'rds/users/acme.alice': 'Zq3-kept-password-value',
      'ssh/guest_ed25519.pub': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample pvecdk',
    };
    const file = join(stateDir, 'secrets', 'default.json');
    const tally = new Map<string, number>();
    mkdirSync(join(stateDir, 'secrets'), { recursive: true, mode: 0o700 });
    fc.assert(
      fc.property(badFileText(valid), (text) => {
        writeFileSync(file, text, { mode: 0o600 });
        const before = snapshot(stateDir);
        const error = codedOrFine(
          () => new SecretStore(stateDir, 'default', stateDir).stored('rds/users/acme.alice'),
          tally,
        );
        expect(error?.message ?? '').not.toContain('Zq3-kept-password-value');
        expect(snapshot(stateDir)).toEqual(before);
      }),
      FUZZ,
    );
    expect([...tally.keys()].sort()).toEqual(['SECRET_STORE_CORRUPT', 'ok']);
  });

  it('GIVEN Customer props with anything in them WHEN the customer is made and synthesized THEN it synthesizes or a coded error names the construct', () => {
    const tally = new Map<string, number>();
    fc.assert(
      fc.property(mutated(ACME_PROPS as unknown as Json), (props) => {
        const { app, platform } = testPlatform();
        const error = codedOrFine(() => {
          new Customer(platform, 'acme', props as unknown as ConstructorParameters<typeof Customer>[2]);
          app.synth({ write: false });
        }, tally);
        // The customer's construct path, or the synthesis finding's, leads the message.
        if (error) expect(error.message).toMatch(/acme|platform/);
      }),
      { ...FUZZ, numRuns: 100 },
    );
    expect(tally.get('ok')).toBeGreaterThan(0);
    expect(tally.size).toBeGreaterThan(1);
  });
});
