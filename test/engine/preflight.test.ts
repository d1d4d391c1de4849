import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan, PlanResource } from '../../lib/contract/index.ts';
import { writeAssembly } from '../../lib/core/synthesizer.ts';
import { deployStacks } from '../../lib/engine/deploy.ts';
import type { EngineError } from '../../lib/engine/engine-errors.ts';
import { HANDLERS } from '../../lib/engine/handlers/index.ts';
import { deploymentOrder, loadAssembly } from '../../lib/engine/plan-loader.ts';
import { type BootstrapGrant, bootstrapGrant } from '../../lib/engine/preflight/bootstrap-role.ts';
import {
  type EffectivePermissions,
  isGranted,
  missingPrivileges,
} from '../../lib/engine/preflight/check-permissions.ts';
import { callRequirements } from '../../lib/engine/preflight/endpoint-permissions.ts';
import { assertPermissions, preflightPermissions } from '../../lib/engine/preflight/preflight.ts';
import {
  type RequiredPrivilege,
  requiredPrivileges,
} from '../../lib/engine/preflight/required-privileges.ts';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { PveApi, PveClient } from '../../lib/pve/index.ts';
import { PVE_PRIVILEGES, pveMajor, unknownPrivileges } from '../../lib/pve/privileges.ts';
import { startTestEmulator, type TestEmulator } from '../../lib/sim/testing.ts';
import '../../stacks/acme.ts';
import { app } from '../../stacks/platform.ts';

/** A secret store in a fresh folder: the acme stack references generated secrets, as the CLI's store makes them. */
function secretStore(): SecretStore {
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-preflight-secrets-'));
  return new SecretStore(dir, 'default', dir);
}

/** acme and the platform it depends on, synthesized as the CLI does. */
function acmePlans(): { plans: Plan[]; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'pvecdk-preflight-'));
  writeAssembly(app.synth({ write: false }), outdir);
  const assembly = loadAssembly(outdir);
  return { plans: deploymentOrder(assembly, ['acme']).map((s) => assembly.plans.get(s)!), outdir };
}

/** A one-stack plan of hand-written resources. */
function planOf(resources: Record<string, Omit<PlanResource, 'dependsOn' | 'path'>>): Plan {
  return {
    version: 1,
    stack: 'lab',
    remote: 'default',
    dependsOn: [],
    outputs: {},
    resources: Object.fromEntries(
      Object.entries(resources).map(([id, r]) => [id, { ...r, path: `lab/${id}`, dependsOn: [] }]),
    ),
  };
}

const pair = (r: RequiredPrivilege) => `${r.privilege} on ${r.path}`;
const find = (list: readonly RequiredPrivilege[], path: string, privilege: string) =>
  list.find((r) => r.path === path && r.privilege === privilege);

describe('required privileges', () => {
  const { plans } = acmePlans();
  const pve8 = requiredPrivileges(plans, 8);

  it('GIVEN acme and the platform WHEN computed for PVE 8 THEN the clone, pool, storage, bridge, node and firewall privileges are listed', () => {
    // Every guest type has a handler now: none is pending.
    expect(pve8.pendingTypes).toEqual([]);
    const clone = find(pve8.privileges, '/vms/9001', 'VM.Clone');
    expect(clone?.neededFor).toEqual(['acme/acme-main/Guest/Vm', 'platform/Rds/Guest/Vm']);
    // VM.Allocate for the new VM, or on the pool it is cloned into (the schema's "or").
    expect(find(pve8.privileges, '/vms/1042', 'VM.Allocate')?.orElse).toEqual([
      { path: '/pool/customer-acme', privilege: 'VM.Allocate' },
    ]);
    const pairs = pve8.privileges.map(pair);
    expect(pairs).toEqual(
      expect.arrayContaining([
        'Datastore.AllocateSpace on /storage/local-lvm',
        'Datastore.Allocate on /storage/nfs-backup',
        'SDN.Use on /sdn/zones/localnetwork/vmbr1',
        'SDN.Use on /sdn/zones/localnetwork/vmbr0',
        'Sys.Modify on /nodes/pve1',
        'Sys.Modify on /nodes/pve3',
        'Pool.Allocate on /pool/customer-acme',
        'Pool.Audit on /pool/customer-acme',
        'Sys.Modify on /',
        'Sys.Audit on /',
        'VM.Config.CPU on /vms/1042',
        'VM.Config.Memory on /vms/1042',
        'VM.Config.Disk on /vms/1042',
        'VM.Config.Cloudinit on /vms/1042',
        'VM.Config.CDROM on /vms/1042',
        'VM.Config.Options on /vms/1042',
        'VM.PowerMgmt on /vms/1042',
      ]),
    );
    // Critical guest changes (the router's config, its VPN users) snapshot its VM first, and may roll it back.
    expect(find(pve8.privileges, '/vms/181', 'VM.Snapshot')?.neededFor).toEqual([
      'acme/acme.alice/VpnUser',
      'acme/acme.bob/VpnUser',
      'platform/Router/Config',
    ]);
    expect(find(pve8.privileges, '/vms/1042', 'VM.Config.Network')?.neededFor).toEqual([
      'acme/acme-main/FirewallOptions',
      'acme/acme-main/FirewallRules',
      'acme/acme-main/Guest/Vm',
    ]);
    // The start order of the platform VMs needs Sys.Modify on / (Qemu.pm: "startup" changes host behaviour).
    expect(find(pve8.privileges, '/', 'Sys.Modify')?.neededFor).toContain('platform/Rds/Guest/Vm');
    expect(pairs).not.toContain('VM.Config.HWType on /vms/1042');
  });

  it('GIVEN every type the engine has a handler for WHEN computed THEN pvecdk knows what each needs', () => {
    const plan = planOf(
      Object.fromEntries(
        [...HANDLERS.keys()].map((type, i) => [
          `R${i}`,
          { type, properties: { node_name: 'pve1', vm_id: 100 + i } },
        ]),
      ),
    );
    expect(requiredPrivileges([plan], 8).pendingTypes).toEqual([]);
  });

  it('GIVEN the result WHEN listed THEN it is sorted by path then privilege and has no duplicates', () => {
    const keys = pve8.privileges.map((r) => `${r.path} ${r.privilege}`);
    expect(new Set(keys).size).toBe(keys.length);
    const sorted = [...pve8.privileges].sort((a, b) =>
      a.path === b.path ? a.privilege.localeCompare(b.privilege) : a.path < b.path ? -1 : 1,
    );
    expect(pve8.privileges).toEqual(sorted);
  });

  it('GIVEN the bootstrap grant for acme WHEN an ACL or a privilege is left out THEN something is missing (it is least privilege)', () => {
    const grant = bootstrapGrant(pve8);
    /** What Proxmox would answer for a token holding `acls` with one role of `privileges`. */
    const answer = (acls: typeof grant.acls, privileges: readonly string[]): EffectivePermissions =>
      Object.fromEntries(
        acls.map((a) => [a.path, Object.fromEntries(privileges.map((p) => [p, a.propagate]))]),
      );
    const privileges = grant.roles[0]!.privileges;
    expect(missingPrivileges(pve8.privileges, answer(grant.acls, privileges))).toEqual([]);
    for (const acl of grant.acls) {
      const without = grant.acls.filter((a) => a !== acl);
      expect(
        missingPrivileges(pve8.privileges, answer(without, privileges)).length,
        acl.path,
      ).toBeGreaterThan(0);
    }
    for (const privilege of privileges) {
      const fewer = privileges.filter((p) => p !== privilege);
      expect(missingPrivileges(pve8.privileges, answer(grant.acls, fewer)).length, privilege).toBeGreaterThan(
        0,
      );
    }
  });

  it('GIVEN acme WHEN computed for PVE 9 THEN the pairs are the same (no call of the handlers changed its check) and all are PVE 9 names', () => {
    const pve9 = requiredPrivileges(plans, 9);
    expect(pve9.privileges).toEqual(pve8.privileges);
    expect(
      unknownPrivileges(
        pve9.privileges.map((r) => r.privilege),
        9,
      ),
    ).toEqual([]);
    expect(PVE_PRIVILEGES[9]).not.toContain('VM.Monitor');
    expect(PVE_PRIVILEGES[8]).not.toContain('VM.GuestAgent.Unrestricted');
  });

  it('GIVEN guest agent calls WHEN evaluated for 8 and 9 THEN PVE 8 wants VM.Monitor and PVE 9 the VM.GuestAgent privileges', () => {
    const at = { node: 'pve1', vmid: 101 };
    expect(callRequirements('POST', '/nodes/{node}/qemu/{vmid}/agent/exec', at, 8)).toEqual([
      { path: '/vms/101', privilege: 'VM.Monitor', orElse: [] },
    ]);
    expect(callRequirements('POST', '/nodes/{node}/qemu/{vmid}/agent/exec', at, 9)).toEqual([
      { path: '/vms/101', privilege: 'VM.GuestAgent.Unrestricted', orElse: [] },
    ]);
    expect(callRequirements('GET', '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces', at, 9)).toEqual([
      {
        path: '/vms/101',
        privilege: 'VM.GuestAgent.Audit',
        orElse: [{ path: '/vms/101', privilege: 'VM.GuestAgent.Unrestricted' }],
      },
    ]);
    expect(pveMajor('8.4.1')).toBe(8);
    expect(pveMajor('9.0.3')).toBe(9);
  });

  it('GIVEN a VM with a tagged NIC, a start order and a cloud-init drive THEN SDN.Use is on the VLAN and Sys.Modify on /', () => {
    const plan = planOf({
      Vm: {
        type: 'proxmox_virtual_environment_vm',
        properties: {
          vm_id: 300,
          node_name: 'pve2',
          clone: { vm_id: 9002, full: false },
          network_device: [{ bridge: 'vmbr1', vlan_id: 20 }],
          startup: { order: 3 },
          initialization: { datastore_id: 'ceph-vm', ip_config: [{ ipv4: { address: 'dhcp' } }] },
          serial_device: [{ device: 'socket' }],
        },
      },
    });
    const templates = new Map([
      [9002, { storages: ['local-lvm'], nets: ['virtio=BC:24:11:00:00:01,bridge=vmbr0'] }],
    ]);
    const pairs = requiredPrivileges([plan], 8, {
      facts: new Map([['proxmox_virtual_environment_vm', { templates }]]),
    }).privileges.map(pair);
    expect(pairs).toEqual(
      expect.arrayContaining([
        'SDN.Use on /sdn/zones/localnetwork/vmbr1/20',
        // The clone checks the template's own NICs and, for a linked clone, its disks' storage.
        'SDN.Use on /sdn/zones/localnetwork/vmbr0',
        'Datastore.AllocateSpace on /storage/local-lvm',
        'Sys.Modify on /',
        'VM.Config.Cloudinit on /vms/300',
        'VM.Config.CDROM on /vms/300',
        'VM.Config.HWType on /vms/300',
      ]),
    );
    expect(pairs).not.toContain('SDN.Use on /sdn/zones/localnetwork/vmbr1');
    // A cloud-init drive is not a disk: Proxmox allocates it without a storage check.
    expect(pairs).not.toContain('Datastore.AllocateSpace on /storage/ceph-vm');
  });

  it('GIVEN firewall rules and aliases at cluster and node scope THEN each scope has its own privilege', () => {
    const plan = planOf({
      ClusterAlias: {
        type: 'proxmox_virtual_environment_firewall_alias',
        properties: { name: 'mgmt', cidr: '10.20.0.2' },
      },
      NodeRules: {
        type: 'proxmox_virtual_environment_firewall_rules',
        properties: { node_name: 'pve2', rule: [] },
      },
    });
    const required = requiredPrivileges([plan], 8).privileges;
    expect(required.map((r) => `${pair(r)} for ${r.neededFor.join(',')}`)).toEqual([
      'Sys.Audit on / for lab/ClusterAlias',
      'Sys.Modify on / for lab/ClusterAlias',
      'Sys.Audit on /nodes/pve2 for lab/NodeRules',
      'Sys.Modify on /nodes/pve2 for lab/NodeRules',
    ]);
  });

  it('GIVEN users, tokens, ACLs, roles, files and HA resources THEN the access, storage and cluster privileges are listed', () => {
    const plan = planOf({
      User: {
        type: 'proxmox_virtual_environment_user',
        properties: { user_id: 'ops@pve', password: { secret: 'env:OPS_PASSWORD' } },
      },
      Token: {
        type: 'proxmox_virtual_environment_user_token',
        properties: { user_id: { ref: 'User', attr: 'user_id' }, token_name: 'ci' },
      },
      Acl: {
        type: 'proxmox_virtual_environment_acl',
        properties: {
          path: '/pool/customer-acme',
          role_id: 'PVEVMUser',
          token_id: { ref: 'Token', attr: 'id' },
        },
      },
      Role: {
        type: 'proxmox_virtual_environment_role',
        properties: { role_id: 'Ops', privileges: ['VM.Audit'] },
      },
      Iso: {
        type: 'proxmox_virtual_environment_file',
        properties: {
          node_name: 'pve1',
          datastore_id: 'local',
          content_type: 'iso',
          source_file: { path: 'a.iso' },
        },
      },
      Ha: { type: 'proxmox_virtual_environment_haresource', properties: { resource_id: 'vm:128' } },
    });
    const required = requiredPrivileges([plan], 9);
    expect(required.privileges.map(pair)).toEqual(
      expect.arrayContaining([
        'Realm.AllocateUser on /access/realm/pve',
        'User.Modify on /access/groups',
        'Permissions.Modify on /pool/customer-acme',
        'Sys.Modify on /access',
        'Datastore.AllocateTemplate on /storage/local',
        'Datastore.Allocate on /storage/local',
        'Sys.Console on /',
        'Sys.Audit on /',
      ]),
    );
    const grant = bootstrapGrant(required);
    expect(grant.roles.map((r) => r.id)).toEqual(['PvecdkDeploy', 'PvecdkDeployAccess']);
    // Access privileges are granted only where needed, never through the main role.
    expect(grant.roles[0]!.privileges).not.toContain('Permissions.Modify');
    expect(grant.acls.find((a) => a.path === '/pool/customer-acme')?.roles).toEqual(['PvecdkDeployAccess']);
    expect(grant.acls.find((a) => a.path === '/')).toMatchObject({
      roles: ['PvecdkDeploy'],
      propagate: false,
    });
  });
});

describe('effective permissions', () => {
  const perms: EffectivePermissions = {
    '/': { 'Sys.Audit': false },
    '/vms': { 'VM.Audit': true, 'VM.Allocate': false },
    '/vms/200': {},
  };

  it('GIVEN a path the answer does not list THEN it inherits what its nearest listed ancestor propagates', () => {
    expect(isGranted(perms, '/vms/101', 'VM.Audit')).toBe(true);
    expect(isGranted(perms, '/vms/101', 'VM.Allocate')).toBe(false);
    expect(isGranted(perms, '/vms', 'VM.Allocate')).toBe(true);
    expect(isGranted(perms, '/nodes/pve1', 'Sys.Audit')).toBe(false);
    expect(isGranted(perms, '/', 'Sys.Audit')).toBe(true);
  });

  it('GIVEN a path the answer lists with nothing THEN nothing is inherited', () => {
    expect(isGranted(perms, '/vms/200', 'VM.Audit')).toBe(false);
  });

  it('GIVEN an alternative path WHEN the main one is not granted THEN the requirement is met', () => {
    const missing = missingPrivileges(
      [
        {
          path: '/vms/300',
          privilege: 'VM.Config.CPU',
          orElse: [{ path: '/pool/p', privilege: 'VM.Config.CPU' }],
          neededFor: ['lab/Vm'],
        },
        { path: '/storage/local', privilege: 'Datastore.Audit', orElse: [], neededFor: ['lab/Iso'] },
      ],
      { '/pool/p': { 'VM.Config.CPU': true } },
    );
    expect(missing.map(pair)).toEqual(['Datastore.Audit on /storage/local']);
  });
});

describe('permission check against the emulator', () => {
  let emu: TestEmulator;
  const { plans, outdir } = acmePlans();
  const clients: PveClient[] = [];

  /** A client and API for a token of the emulator. */
  function apiFor(tokenId: string, tokenSecret: string): PveApi {
    const client = new PveClient({
      hosts: [emu.server.url],
      credentials: { tokenId, tokenSecret },
      tls: { fingerprint: emu.server.fingerprint },
      concurrency: 8,
    });
    clients.push(client);
    return new PveApi(client, { pollMs: 2, maxPollMs: 5 });
  }

  /** Creates a user and its privilege-separated token with the root client; returns the token's API. */
  async function tokenFor(userid: string, name: string): Promise<PveApi> {
    await emu.api.access.createUser({ userid });
    const token = await emu.api.access.createToken(userid, name, { privsep: 1 });
    return apiFor(token['full-tokenid'], token.value);
  }

  /** Grants a role on a path to a user and its token, as `pveum acl modify` does. */
  async function grant(path: string, role: string, userid: string, tokenid: string, propagate = true) {
    await emu.api.access.setAcl({ path, roles: [role], users: [userid], tokens: [tokenid], propagate });
  }

  /** Applies a bootstrap grant through the API, as its pveum commands would. */
  async function applyGrant(g: BootstrapGrant): Promise<PveApi> {
    for (const role of g.roles)
      await emu.client.post('/access/roles', { roleid: role.id, privs: role.privileges.join(',') });
    const [userid, name] = g.tokenId.split('!') as [string, string];
    const api = await tokenFor(userid, name);
    for (const acl of g.acls)
      await emu.api.access.setAcl({
        path: acl.path,
        roles: acl.roles,
        users: [g.userId],
        tokens: [g.tokenId],
        propagate: acl.propagate,
      });
    return api;
  }

  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await emu.close();
  });

  it("GIVEN the emulator's root token WHEN checked THEN nothing is missing", async () => {
    const preflight = await preflightPermissions(emu.api, plans);
    expect(preflight.major).toBe(8);
    expect(preflight.missing).toEqual([]);
    expect(() => assertPermissions(preflight)).not.toThrow();
  });

  it('GIVEN a token whose role lacks Datastore.Allocate WHEN checked THEN it fails naming that privilege, its path and the backup job', async () => {
    const all = bootstrapGrant((await preflightPermissions(emu.api, plans)).required).roles[0]!.privileges;
    await emu.client.post('/access/roles', {
      roleid: 'NoBackupStorage',
      privs: all.filter((p) => p !== 'Datastore.Allocate').join(','),
    });
    const api = await tokenFor('limited@pve', 'ci');
    await grant('/', 'NoBackupStorage', 'limited@pve', 'limited@pve!ci');

    const preflight = await preflightPermissions(api, plans);
    expect(preflight.missing.map((m) => [m.path, m.privilege, m.neededFor])).toEqual([
      ['/storage/nfs-backup', 'Datastore.Allocate', ['acme/acme-main/Backup']],
    ]);
    let error: unknown;
    try {
      assertPermissions(preflight, 'limited@pve!ci');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ENGINE_PERMISSION_MISSING' });
    expect((error as Error).message).toContain(
      'the API token limited@pve!ci lacks 1 privilege this deploy needs (Proxmox VE 8):\n' +
        '  Datastore.Allocate on /storage/nfs-backup, needed by acme/acme-main/Backup',
    );
    expect((error as EngineError).hint).toContain('pvecdk bootstrap-role');
  });

  it('GIVEN a token lacking one privilege WHEN deploying THEN the deploy is refused before its first write, naming it', async () => {
    const all = bootstrapGrant((await preflightPermissions(emu.api, plans)).required).roles[0]!.privileges;
    await emu.client.post('/access/roles', {
      roleid: 'NoVmConfigMemory',
      privs: all.filter((p) => p !== 'VM.Config.Memory').join(','),
    });
    const api = await tokenFor('short@pve', 'ci');
    await grant('/', 'NoVmConfigMemory', 'short@pve', 'short@pve!ci');
    const writes = emu.server.emulator.stats.writes;
    await expect(
      deployStacks({
        assembly: loadAssembly(outdir),
        targets: ['acme'],
        api,
        tokenId: 'short@pve!ci',
        stateDir: mkdtempSync(join(tmpdir(), 'pvecdk-preflight-state-')),
        remote: 'default',
        concurrency: 4,
        secrets: secretStore(),
      }),
    ).rejects.toMatchObject({
      code: 'ENGINE_PERMISSION_MISSING',
      message: expect.stringMatching(
        /the API token short@pve!ci lacks \d+ privileges? .*\n.*VM\.Config\.Memory on \/vms\/\d+/,
      ),
    });
    expect(emu.server.emulator.stats.writes).toBe(writes);
  }, 60_000);

  it('GIVEN a token with only PVEAuditor WHEN diffing THEN it reads and shows the changes; WHEN deploying THEN it is refused before the first write, naming the missing privileges and paths', async () => {
    const api = await tokenFor('auditor@pve', 'ci');
    await grant('/', 'PVEAuditor', 'auditor@pve', 'auditor@pve!ci');
    const writes = emu.server.emulator.stats.writes;
    const options = {
      assembly: loadAssembly(outdir),
      targets: ['platform', 'acme'],
      api,
      tokenId: 'auditor@pve!ci',
      stateDir: mkdtempSync(join(tmpdir(), 'pvecdk-auditor-state-')),
      remote: 'default',
      concurrency: 4,
      secrets: secretStore(),
    };
    const warnings: string[] = [];
    const diff = await deployStacks({ ...options, dryRun: true, onWarning: (w) => warnings.push(w) });
    expect(diff.ok).toBe(true);
    expect(diff.resources.find((r) => r.path === 'acme/acme-main/Guest/Vm')?.action).toBe('create');
    // The diff says what a deploy with this token would lack, without refusing to show the changes.
    expect(warnings.some((w) => /the API token lacks .*VM\.Clone on \/vms\/9001/.test(w))).toBe(true);
    await expect(deployStacks(options)).rejects.toMatchObject({
      code: 'ENGINE_PERMISSION_MISSING',
      message: expect.stringMatching(
        /^the API token auditor@pve!ci lacks \d+ privileges this deploy needs \(Proxmox VE 8\):\n[\s\S]*\n {2}Pool\.Allocate on \/pool\/customer-acme, needed by acme\/Pool, [\s\S]*\n {2}VM\.Clone on \/vms\/9001, needed by acme\/acme-main\/Guest\/Vm/,
      ),
      hint: expect.stringContaining('pvecdk bootstrap-role'),
    });
    expect(emu.server.emulator.stats.writes).toBe(writes);
  }, 60_000);

  it('GIVEN a token whose user has the role but the token does not THEN the privilege-separated token has nothing', async () => {
    const api = await tokenFor('halfway@pve', 'ci');
    await emu.api.access.setAcl({ path: '/', roles: ['Administrator'], users: ['halfway@pve'] });
    const preflight = await preflightPermissions(api, plans);
    expect(preflight.missing.length).toBe(preflight.required.privileges.length);
  });

  it('GIVEN the bootstrap role and ACLs granted through the API WHEN checked and deployed with that token THEN nothing is missing and the deploy succeeds', async () => {
    const grantToGive = bootstrapGrant((await preflightPermissions(emu.api, plans)).required);
    expect(grantToGive.acls.map((a) => a.path)).toEqual([
      '/',
      '/nodes/pve1',
      '/nodes/pve2',
      '/nodes/pve3',
      '/pool/customer-acme',
      '/sdn/zones/localnetwork/vmbr0',
      '/sdn/zones/localnetwork/vmbr1',
      '/sdn/zones/localnetwork/vmbr2',
      '/storage/local-lvm',
      '/storage/nfs-backup',
      '/vms',
    ]);
    const api = await applyGrant(grantToGive);

    const preflight = await preflightPermissions(api, plans);
    expect(preflight.missing.map((m) => `${m.privilege} on ${m.path}`)).toEqual([]);

    // The emulator enforces the schema's checks and the per-key config checks: the grant is enough for a real deploy.
    const report = await deployStacks({
      assembly: loadAssembly(outdir),
      targets: ['acme'],
      api,
      stateDir: mkdtempSync(join(tmpdir(), 'pvecdk-preflight-state-')),
      remote: 'default',
      concurrency: 4,
      secrets: secretStore(),
    });
    expect(report.resources.filter((r) => r.status === 'failed')).toEqual([]);
    expect(report.ok).toBe(true);
  }, 60_000);
});
