import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { userKeyPath } from '../../lib/contract/plan-keys.ts';
import { PLAN_TYPES } from '../../lib/contract/registry.ts';
import { schemaKeys } from '../../lib/contract/schema-walk.ts';
import { App, Resource, Stack, ValidationError, type ValidationIssue } from '../../lib/core/index.ts';
import { HANDLERS } from '../../lib/engine/handlers/index.ts';
import {
  coverageProblems,
  isBlock,
  type Props,
  refusalOf,
  sampleValue,
  setAt,
  type TypeCoverage,
  userProps,
} from './every-key/coverage.ts';
import { type KeyHarness, startHarness } from './every-key/harness.ts';
import { COVERAGE } from './every-key/tables.ts';

/**
 * The every-key test (issue #10): every key of every plan type's contract is
 * either applied by the engine, proven against the emulator by the tables
 * of test/engine/every-key/ (run by every-key-*.test.ts), or refused at
 * synth with "not supported by the engine yet: <key>" at the resource's
 * construct path. Types without a handler, and the guest types (whose
 * handlers reach inside guests: proven against a real OpenSSH server by
 * test/engine/guest/), deploy as pending in a run that reaches no guests,
 * never done; when a Proxmox type gets a handler, this test asks for its table.
 */

/** Whether a type is pending in a run without guests: no handler, or one that reaches inside guests. */
const pendingWithoutGuests = (type: string) =>
  !HANDLERS.has(type) || HANDLERS.get(type)!.reachesGuests === true;

/** Plan types pending here (see above), with valid properties for one resource of each. */
const target = (dialect: string) => ({
  vm_id: 100,
  node_name: 'pve1',
  host: '10.20.0.10',
  username: 'admin',
  dialect,
  private_key: { secret: 'env:PVECDK_KEYS_GUEST_KEY' },
});
const HANDLERLESS: Readonly<Record<string, Props>> = {
  pvecdk_guest_file: { target: target('sh'), path: '/etc/keys', content: 'every key' },
  pvecdk_guest_command: { target: target('sh'), command: 'true' },
  pvecdk_pfsense_config: { target: target('pfsense'), sections: { filter: '<filter/>' } },
  pvecdk_vpn_user: {
    target: target('pfsense'),
    user_name: 'alice',
    kind: 'openvpn',
    tunnel_address: '10.8.0.2',
    private_key: { secret: 'generated:vpn/alice.key' },
    router_entry: 'ifconfig-push 10.8.0.2 255.255.255.0',
    profile: 'client',
    profile_file_name: 'alice.ovpn',
  },
  pvecdk_rds_user: {
    target: target('powershell'),
    user_name: 'alice',
    password: { secret: 'generated:rds/alice' },
    groups: ['Remote Desktop Users'],
    script: 'Write-Output ok',
  },
  pvecdk_rds_shortcut: {
    target: target('powershell'),
    user_name: 'alice',
    server_name: 'acme',
    link_path: 'C:\\Users\\alice\\acme.4DLink',
    link_content: '<database_shortcut/>',
    shortcut_path: 'C:\\Users\\alice\\Desktop\\acme.lnk',
    client_exe: 'C:\\ShowGrounds\\ShowGrounds.exe',
    description: 'ShowGrounds on acme',
    script: 'Write-Output ok',
  },
};

/** Synthesizes one resource of `type` with `props` (plan terms, given camelCase as a user would) and returns the issues. */
function synthIssues(type: string, props: Props): ValidationIssue[] {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-keys-synth-')) });
  const def = PLAN_TYPES.get(type)!;
  new Resource(new Stack(app, 'refusal'), 'Subject', {
    type,
    properties: userProps(props, def.plan) as Record<string, unknown>,
  });
  try {
    app.synth({ write: false });
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return [...e.issues];
    throw e;
  }
}

/** The keys a table's contract refuses: every leaf whose path, or a block around it, is `notApplied`. */
function refusedKeys(coverage: TypeCoverage) {
  return schemaKeys(coverage.contract.plan).filter(
    (k) => !isBlock(k) && refusalOf(coverage.contract, k.path) !== undefined,
  );
}

describe('every key of every plan type is applied or refused', () => {
  it('GIVEN the plan types WHEN matched with the coverage tables and HANDLERS THEN each handled type has one table and each other type is in the handler-less list', () => {
    const handled = [...PLAN_TYPES.keys()].filter((t) => !pendingWithoutGuests(t)).sort();
    expect(COVERAGE.map((c) => c.contract.type).sort(), 'one coverage table per handled type').toEqual(
      handled,
    );
    expect(
      Object.keys(HANDLERLESS).sort(),
      'the handler-less types are the types without a handler (or reaching guests): a Proxmox type that got one needs a coverage table instead',
    ).toEqual([...PLAN_TYPES.keys()].filter(pendingWithoutGuests).sort());
  });

  for (const coverage of COVERAGE)
    it(`GIVEN the ${coverage.contract.type} contract WHEN its keys are matched with its table THEN every key is applied (an entry) or refused (notApplied), and every entry names a key`, () => {
      expect(coverageProblems(coverage)).toEqual([]);
    });

  for (const coverage of COVERAGE) {
    const type = coverage.contract.type;
    for (const key of refusedKeys(coverage)) {
      const refused = refusalOf(coverage.contract, key.path)!;
      it(`GIVEN a ${type} setting ${key.path} WHEN synthesized THEN synth refuses it as not supported by the engine yet, at the construct path`, () => {
        const props = structuredClone(Object.values(coverage.base)[0]!);
        coverage.refusalSetup?.[key.path]?.(props);
        const value = sampleValue(key);
        expect(value, `a sample value for ${key.path}: add a candidate in coverage.ts`).toBeDefined();
        setAt(props, key.path, value);
        expect(synthIssues(type, props)).toEqual([
          {
            path: 'refusal/Subject',
            message: `${type}: not supported by the engine yet: ${userKeyPath(refused)}`,
            hint: coverage.contract.notApplied[refused],
            code: 'SYNTH_INVALID_PROPS',
            construct: 'Stack refusal',
            location: expect.objectContaining({ file: expect.stringMatching(/every-key\.test\.ts$/) }),
          },
        ]);
      });
    }
  }
});

describe('plan types without a handler, or reaching guests, in a run without guests', () => {
  let h: KeyHarness | undefined;
  afterAll(async () => {
    await h?.close();
  });

  it('GIVEN one resource of each type without a handler WHEN deployed THEN each is reported pending, none done, and nothing is written', async () => {
    for (const [type, props] of Object.entries(HANDLERLESS))
      expect(synthIssues(type, props), `${type}: the sample resource is valid`).toEqual([]);
    h = await startHarness('pvecdk_guest_file', {});
    for (const [type, props] of Object.entries(HANDLERLESS)) h.add(type.replace(/_/g, '-'), props, type);
    const writes = h.writes();
    const report = await h.deploy();
    expect(report.resources.map((r) => [r.type, r.action, r.status]).sort()).toEqual(
      Object.keys(HANDLERLESS)
        .sort()
        .map((type) => [type, 'pending', 'pending']),
    );
    expect(h.writes()).toBe(writes);
  });
});
