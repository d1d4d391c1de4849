import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { App, Resource, SecretValue, Stack } from '../../lib/core/index.ts';
import type { GuestTarget } from '../../lib/resources/generated/index.ts';
import {
  GuestCommand,
  GuestFile,
  PfsenseConfig,
  RdsShortcut,
  RdsUser,
  VpnUser,
} from '../../lib/resources/guest/index.ts';

function setup() {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-guest-')) });
  const stack = new Stack(app, 'platform');
  const vm = new Resource(stack, 'RouterVm', {
    type: 'proxmox_virtual_environment_vm',
    properties: { nodeName: 'pve1', vmId: 100 },
  });
  const target: GuestTarget = {
    vmId: vm.attr('vm_id'),
    nodeName: vm.attr('node_name'),
    host: '10.20.0.1',
    username: 'pvecdk',
    dialect: 'pfsense',
    privateKey: SecretValue.file('keys/pvecdk_ed25519'),
  };
  const plan = () => app.synth({ write: false }).plans.get('platform')!;
  return { stack, vm, target, plan };
}

describe('guest resources', () => {
  it('GIVEN a pfSense config WHEN synthesized THEN it is critical, keeps section names and depends on the router VM', () => {
    const { stack, vm, target, plan } = setup();
    const cfg = new PfsenseConfig(stack, 'Config', {
      target,
      sections: { filter: '<filter/>', openvpn: '<openvpn/>' },
      secrets: ['generated:vpn/ca.key'],
    });
    const entry = plan().resources[cfg.logicalId]!;
    expect(entry.type).toBe('pvecdk_pfsense_config');
    expect(entry.critical).toBe(true);
    expect(entry.snapshotRetention).toBe(5);
    expect(entry.dependsOn).toEqual([vm.logicalId]);
    expect(entry.properties).toEqual({
      target: {
        vm_id: { ref: vm.logicalId, attr: 'vm_id' },
        node_name: { ref: vm.logicalId, attr: 'node_name' },
        host: '10.20.0.1',
        username: 'pvecdk',
        dialect: 'pfsense',
        private_key: { secret: 'file:keys/pvecdk_ed25519' },
      },
      sections: { filter: '<filter/>', openvpn: '<openvpn/>' },
      secrets: ['generated:vpn/ca.key'],
    });
  });

  it('GIVEN command triggers with camelCase names WHEN synthesized THEN the trigger names are kept verbatim', () => {
    const { stack, target, plan } = setup();
    const cmd = new GuestCommand(stack, 'Reload', {
      target: { ...target, dialect: 'sh' },
      command: '/etc/rc.reload_all',
      triggers: { configHash: 'abc' },
    });
    expect(plan().resources[cmd.logicalId]!.properties.triggers).toEqual({ configHash: 'abc' });
  });

  it('GIVEN VPN, RDS user, shortcut and file resources WHEN synthesized THEN each has its type and snake_case keys', () => {
    const { stack, target, plan } = setup();
    const win = { ...target, dialect: 'powershell' as const, username: 'Administrator' };
    const vpn = new VpnUser(stack, 'Vpn', {
      target,
      userName: 'acme.alice',
      kind: 'openvpn',
      tunnelAddress: '10.8.0.23',
      privateKey: SecretValue.generated('vpn/users/acme.alice.key'),
      routerEntry: '<openvpn-csc/>',
      profile: 'client\n',
      profileFileName: 'acme.alice.ovpn',
    });
    const user = new RdsUser(stack, 'User', {
      target: win,
      userName: 'acme.alice',
      password: SecretValue.generated('rds/acme.alice'),
      groups: ['Remote Desktop Users'],
      script: 'Write-Output ok',
    });
    const shortcut = new RdsShortcut(stack, 'Shortcut', {
      target: win,
      userName: 'acme.alice',
      serverName: 'acme-main',
      linkPath: 'C:\\ShowGrounds\\links\\acme-main.4DLink',
      linkContent: '<database_shortcut/>',
      shortcutPath: 'C:\\Users\\Public\\Desktop\\acme-main.lnk',
      clientExe: 'C:\\ShowGrounds\\ShowGrounds.exe',
      description: 'ShowGrounds on acme-main',
      script: 'Write-Output ok',
    });
    const file = new GuestFile(stack, 'File', { target, path: '/etc/motd', content: 'hi', mode: '0644' });
    const resources = plan().resources;
    expect(resources[vpn.logicalId]).toMatchObject({
      type: 'pvecdk_vpn_user',
      critical: true,
      properties: {
        tunnel_address: '10.8.0.23',
        private_key: { secret: 'generated:vpn/users/acme.alice.key' },
      },
    });
    expect(resources[user.logicalId]).toMatchObject({
      type: 'pvecdk_rds_user',
      properties: { user_name: 'acme.alice', password: { secret: 'generated:rds/acme.alice' } },
    });
    expect(resources[shortcut.logicalId]).toMatchObject({
      type: 'pvecdk_rds_shortcut',
      properties: { server_name: 'acme-main', link_path: 'C:\\ShowGrounds\\links\\acme-main.4DLink' },
    });
    expect(resources[file.logicalId]).toMatchObject({
      type: 'pvecdk_guest_file',
      properties: { mode: '0644' },
    });
    expect(resources[file.logicalId]!.critical).toBeUndefined();
  });

  it('GIVEN bad guest props WHEN synthesized THEN every problem is named with its path and field', () => {
    const { stack, target, plan } = setup();
    new RdsUser(stack, 'User', {
      target: { ...target, dialect: 'powershell' },
      userName: 'a-very-long-windows-account-name',
      password: 'Summer2026!' as unknown as SecretValue,
      groups: [],
      script: 'x',
    });
    new GuestFile(stack, 'File', { target, path: 'relative/path', content: '', mode: '644' });
    let message = '';
    try {
      plan();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('synthesis failed with 5 errors');
    expect(message).toMatch(
      /\[platform\/User\] pvecdk_rds_user: userName = 'a-very-long-windows-account-name': at most 20 letters/,
    );
    expect(message).toMatch(/\[platform\/User\] pvecdk_rds_user: password: expects a secret reference/);
    expect(message).toMatch(/\[platform\/User\] pvecdk_rds_user: groups: /);
    expect(message).toMatch(
      /\[platform\/File\] pvecdk_guest_file: path = 'relative\/path': an absolute path/,
    );
    expect(message).toMatch(/\[platform\/File\] pvecdk_guest_file: mode: an octal mode/);
    expect(message).not.toContain('Summer2026!');
  });
});
