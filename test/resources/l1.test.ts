import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { App, SecretValue, Stack, ValidationError } from '../../lib/core/index.ts';
import {
  BackupJob,
  VirtualEnvironmentAcl,
  VirtualEnvironmentFile,
  VirtualEnvironmentFirewallAlias,
  VirtualEnvironmentFirewallIpset,
  VirtualEnvironmentFirewallOptions,
  VirtualEnvironmentFirewallRules,
  VirtualEnvironmentHaresource,
  VirtualEnvironmentNetworkLinuxBridge,
  VirtualEnvironmentPool,
  VirtualEnvironmentRole,
  VirtualEnvironmentUser,
  VirtualEnvironmentUserToken,
  VirtualEnvironmentVm,
} from '../../lib/resources/index.ts';

function setup() {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-l1-')) });
  const stack = new Stack(app, 's');
  const plan = () => app.synth({ write: false }).plans.get('s')!;
  const issues = (): string[] => {
    try {
      plan();
      return [];
    } catch (e) {
      if (e instanceof ValidationError) return e.issues.map((i) => `${i.path}: ${i.message}`);
      throw e;
    }
  };
  return { stack, plan, issues };
}

describe('VirtualEnvironmentVm', () => {
  it('GIVEN a VM cloned from a template VM WHEN synthesized THEN the plan has snake_case blocks and a reference', () => {
    const { stack, plan } = setup();
    const template = new VirtualEnvironmentVm(stack, 'Template', {
      nodeName: 'pve1',
      vmId: 9001,
      template: true,
      started: false,
    });
    const vm = new VirtualEnvironmentVm(stack, 'Db', {
      nodeName: 'pve1',
      vmId: 1142,
      name: 'acme-main',
      tags: ['pvecdk', 'customer-acme'],
      onBoot: true,
      clone: { vmId: template.vmId, full: true, datastoreId: 'local-lvm' },
      cpu: { cores: 4, type: 'x86-64-v2-AES' },
      memory: { dedicated: 8192 },
      agent: { enabled: true },
      disk: [{ interface: 'scsi1', datastoreId: 'local-lvm', size: 100, iothread: true, discard: 'on' }],
      networkDevice: [{ bridge: 'vmbr1', model: 'virtio', macAddress: 'BC:24:11:0A:0B:0C', firewall: true }],
      initialization: {
        ipConfig: [{ ipv4: { address: '10.20.1.42/16', gateway: '10.20.0.1' } }],
        userAccount: { username: 'admin', password: SecretValue.generated('vm/acme-main/admin') },
      },
      operatingSystem: { type: 'win11' },
    });
    const entry = plan().resources[vm.logicalId]!;
    expect(entry.type).toBe('proxmox_virtual_environment_vm');
    expect(entry.dependsOn).toEqual([template.logicalId]);
    expect(entry.properties).toMatchInlineSnapshot(`
      {
        "agent": {
          "enabled": true,
        },
        "clone": {
          "datastore_id": "local-lvm",
          "full": true,
          "vm_id": {
            "attr": "vm_id",
            "ref": "${template.logicalId}",
          },
        },
        "cpu": {
          "cores": 4,
          "type": "x86-64-v2-AES",
        },
        "disk": [
          {
            "datastore_id": "local-lvm",
            "discard": "on",
            "interface": "scsi1",
            "iothread": true,
            "size": 100,
          },
        ],
        "initialization": {
          "ip_config": [
            {
              "ipv4": {
                "address": "10.20.1.42/16",
                "gateway": "10.20.0.1",
              },
            },
          ],
          "user_account": {
            "password": {
              "secret": "generated:vm/acme-main/admin",
            },
            "username": "admin",
          },
        },
        "memory": {
          "dedicated": 8192,
        },
        "name": "acme-main",
        "network_device": [
          {
            "bridge": "vmbr1",
            "firewall": true,
            "mac_address": "BC:24:11:0A:0B:0C",
            "model": "virtio",
          },
        ],
        "node_name": "pve1",
        "on_boot": true,
        "operating_system": {
          "type": "win11",
        },
        "tags": [
          "pvecdk",
          "customer-acme",
        ],
        "vm_id": 1142,
      }
    `);
  });

  it('GIVEN bad VM props WHEN synthesized THEN every error names the path and the field', () => {
    const { stack, issues } = setup();
    new VirtualEnvironmentVm(stack, 'Bad', {
      nodeName: 'pve1',
      vmId: 42,
      name: 'under_score',
      networkDevice: [{ bridge: 'vmbr1', macAddress: 'BC:24:11:0A:0B' }],
      disk: [{ interface: 'nvme0', size: 10 }],
      memory: { dedicated: 8 },
      ...({ cpus: 4 } as object),
    });
    const found = issues();
    expect(found).toHaveLength(6);
    expect(found.join('\n')).toMatch(/s\/Bad: proxmox_virtual_environment_vm: vmId = 42: /);
    expect(found.join('\n')).toMatch(/name = 'under_score': a DNS name/);
    expect(found.join('\n')).toMatch(/networkDevice\.0\.macAddress = 'BC:24:11:0A:0B': a MAC address/);
    expect(found.join('\n')).toMatch(/disk\.0\.interface = 'nvme0': scsi0-30, virtio0-15, sata0-5 or ide0-3/);
    expect(found.join('\n')).toMatch(/memory\.dedicated = 8: /);
    expect(found.join('\n')).toMatch(/cpus: no such prop; did you mean cpu\?/);
  });

  it('GIVEN a literal password for a cloud-init user WHEN synthesized THEN synth refuses it', () => {
    const { stack, issues } = setup();
    new VirtualEnvironmentVm(stack, 'Vm', {
      nodeName: 'pve1',
      vmId: 100,
      initialization: { userAccount: { username: 'admin', password: 'hunter2' as unknown as SecretValue } },
    });
    expect(issues()).toEqual([
      expect.stringContaining(
        'initialization.userAccount.password: expects a secret reference, not a literal string',
      ),
    ]);
  });
});

describe('network, firewall, access, storage, HA and backup resources', () => {
  it('GIVEN one of each WHEN synthesized THEN each has its provider type and snake_case properties', () => {
    const { stack, plan } = setup();
    const bridge = new VirtualEnvironmentNetworkLinuxBridge(stack, 'Lan', {
      nodeName: 'pve1',
      name: 'vmbr1',
      vlanAware: true,
      comment: 'lan',
    });
    const rules = new VirtualEnvironmentFirewallRules(stack, 'Rules', {
      nodeName: 'pve1',
      vmId: 1142,
      rule: [
        {
          type: 'in',
          action: 'ACCEPT',
          source: '10.30.0.10',
          dport: '19812:19815',
          proto: 'tcp',
          comment: '4D',
        },
      ],
    });
    const options = new VirtualEnvironmentFirewallOptions(stack, 'Options', {
      nodeName: 'pve1',
      vmId: 1142,
      enabled: true,
      inputPolicy: 'DROP',
    });
    const ipset = new VirtualEnvironmentFirewallIpset(stack, 'Ipset', {
      name: 'vpn-clients',
      cidr: [{ name: '10.8.0.0/20' }],
    });
    const alias = new VirtualEnvironmentFirewallAlias(stack, 'Alias', { name: 'rds', cidr: '10.30.0.10' });
    const pool = new VirtualEnvironmentPool(stack, 'Pool', { poolId: 'acme', comment: 'customer acme' });
    const user = new VirtualEnvironmentUser(stack, 'User', {
      userId: 'ops@pve',
      password: SecretValue.env('OPS_PASSWORD'),
    });
    const token = new VirtualEnvironmentUserToken(stack, 'Token', {
      userId: user.userId,
      tokenName: 'deploy',
    });
    const role = new VirtualEnvironmentRole(stack, 'Role', {
      roleId: 'PvecdkDeploy',
      privileges: ['VM.Audit', 'VM.PowerMgmt'],
    });
    const acl = new VirtualEnvironmentAcl(stack, 'Acl', {
      path: '/pool/acme',
      roleId: role.roleId,
      userId: user.userId,
    });
    const file = new VirtualEnvironmentFile(stack, 'Snippet', {
      nodeName: 'pve1',
      datastoreId: 'local',
      contentType: 'snippets',
      sourceRaw: { data: '#cloud-config\n', fileName: 'acme.yaml' },
    });
    const ha = new VirtualEnvironmentHaresource(stack, 'Ha', {
      resourceId: 'vm:1142',
      state: 'started',
      maxRestart: 2,
    });
    const backup = new BackupJob(stack, 'Backup', {
      id: 'daily-acme',
      schedule: '*-*-* 02:30',
      storage: 'nfs-backup',
      vmid: ['1142'],
      mode: 'snapshot',
      compress: 'zstd',
      pruneBackups: { 'keep-daily': '7', 'keep-weekly': '4' },
    });
    const r = plan().resources;
    expect(r[bridge.logicalId]).toMatchObject({
      type: 'proxmox_virtual_environment_network_linux_bridge',
      properties: { node_name: 'pve1', name: 'vmbr1', vlan_aware: true },
    });
    expect(r[rules.logicalId]!.properties.rule).toEqual([
      {
        type: 'in',
        action: 'ACCEPT',
        source: '10.30.0.10',
        dport: '19812:19815',
        proto: 'tcp',
        comment: '4D',
      },
    ]);
    expect(r[options.logicalId]!.properties).toEqual({
      node_name: 'pve1',
      vm_id: 1142,
      enabled: true,
      input_policy: 'DROP',
    });
    expect(r[ipset.logicalId]).toMatchObject({ type: 'proxmox_virtual_environment_firewall_ipset' });
    expect(r[alias.logicalId]).toMatchObject({ type: 'proxmox_virtual_environment_firewall_alias' });
    expect(r[pool.logicalId]!.properties).toEqual({ pool_id: 'acme', comment: 'customer acme' });
    expect(r[user.logicalId]!.properties.password).toEqual({ secret: 'env:OPS_PASSWORD' });
    expect(r[token.logicalId]).toMatchObject({
      dependsOn: [user.logicalId],
      properties: { user_id: { ref: user.logicalId, attr: 'user_id' }, token_name: 'deploy' },
    });
    expect(r[acl.logicalId]!.dependsOn).toEqual([role.logicalId, user.logicalId].sort());
    expect(r[file.logicalId]!.properties.source_raw).toEqual({
      data: '#cloud-config\n',
      file_name: 'acme.yaml',
    });
    expect(r[ha.logicalId]!.properties).toEqual({ resource_id: 'vm:1142', state: 'started', max_restart: 2 });
    expect(r[backup.logicalId]).toMatchObject({
      type: 'proxmox_backup_job',
      properties: { prune_backups: { 'keep-daily': '7', 'keep-weekly': '4' }, vmid: ['1142'] },
    });
  });

  it('GIVEN inconsistent props across several resources WHEN synthesized THEN all are reported at once', () => {
    const { stack, issues } = setup();
    new VirtualEnvironmentNetworkLinuxBridge(stack, 'Br', {
      nodeName: 'pve1',
      name: 'vmbr_toolong_name',
      vids: '10',
    });
    new VirtualEnvironmentFirewallRules(stack, 'Rules', { vmId: 100, rule: [{ dport: '3389' }] });
    new VirtualEnvironmentFirewallOptions(stack, 'Opts', { nodeName: 'pve1' });
    new VirtualEnvironmentAcl(stack, 'Acl', { path: '/', roleId: 'PVEAuditor' });
    new VirtualEnvironmentFile(stack, 'File', { nodeName: 'pve1', datastoreId: 'local' });
    new VirtualEnvironmentHaresource(stack, 'Ha', { resourceId: '1142' });
    new BackupJob(stack, 'Backup', { id: 'b', schedule: '02:30', storage: 'nfs', all: true, vmid: ['1'] });
    const text = issues().join('\n');
    expect(text).toContain(
      "s/Br: proxmox_virtual_environment_network_linux_bridge: name = 'vmbr_toolong_name': letters, digits and _, at most 10 characters",
    );
    expect(text).toContain(
      "s/Br: proxmox_virtual_environment_network_linux_bridge: vids = '10': needs a VLAN-aware bridge (vlanAware: true)",
    );
    expect(text).toContain(
      's/Rules: proxmox_virtual_environment_firewall_rules: rule.0: a rule needs type and action',
    );
    expect(text).toContain(
      's/Rules: proxmox_virtual_environment_firewall_rules: nodeName: a VM or container firewall needs nodeName',
    );
    expect(text).toContain(
      's/Opts: proxmox_virtual_environment_firewall_options: vmId: exactly one of vmId or containerId',
    );
    expect(text).toContain(
      's/Acl: proxmox_virtual_environment_acl: (props): exactly one of userId, groupId or tokenId',
    );
    expect(text).toContain(
      's/File: proxmox_virtual_environment_file: (props): exactly one of sourceRaw or sourceFile',
    );
    expect(text).toContain("s/Ha: proxmox_virtual_environment_haresource: resourceId = '1142': ");
    expect(text).toContain("s/Backup: proxmox_backup_job: id = 'b': letters, digits");
    expect(text).toContain(
      's/Backup: proxmox_backup_job: (props): select guests with exactly one of all, vmid or pool',
    );
  });
});
