import { afterEach, describe, expect, it } from 'vitest';
import {
  powershellCommand,
  renderFourDLink,
  renderRdsShortcutScript,
  renderRdsUserScript,
  renderWindowsFirewallScript,
} from '../../../lib/render/index.ts';
import { clixmlLines, GuestFs, readShellLink, type TestEmulator } from '../../../lib/sim/index.ts';
import { cloneGuest, connect, emulator, exec, newKey } from './guest-harness.ts';

const running: TestEmulator[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function windowsGuest(options: { password?: string } = {}) {
  const emu = await emulator();
  running.push(emu);
  const key = newKey();
  const vm = await cloneGuest(emu, 'windows', 201, {
    user: 'Administrator',
    keys: [key.public],
    name: 'rds-host',
    ...(options.password ? { password: options.password } : {}),
  });
  const endpoint = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
  const guest = () => emu.server.emulator.state.vms[String(vm.vmid)]!.guest!;
  return { emu, key, vm, endpoint, guest };
}

/** The RDS user script as the engine would send it: the password arrives on stdin, never on the command line. */
function withPasswordFromStdin(script: string, variable: string): string {
  return `$env:${variable} = [Console]::In.ReadLine()\n${script}`;
}

describe('emulated Windows guest over SSH', () => {
  it('GIVEN a VM cloned from the Windows template and started WHEN it has booted THEN it answers SSH with the host key fingerprint the emulator reports', async () => {
    const { emu, key, endpoint } = await windowsGuest();
    expect(endpoint).toMatchObject({ kind: 'windows', state: 'up', host: '127.0.0.1' });
    expect(endpoint.hostKeySha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);

    const client = await connect({
      port: endpoint.port!,
      username: 'Administrator',
      privateKey: key.private,
      fingerprint: endpoint.hostKeySha256,
    });
    try {
      expect(client.seenFingerprint).toBe(endpoint.hostKeySha256);
      const whoami = await exec(client, 'whoami');
      expect(whoami).toEqual({ code: 0, stdout: 'rds-host\\administrator\r\n', stderr: '' });
    } finally {
      client.end();
    }
    // The same endpoint over the emulator's own HTTP API (root token only).
    const { request, Agent } = await import('undici');
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const get = async (path: string, auth: string) => {
        const res = await request(`${emu.server.url}${path}`, {
          headers: { authorization: auth },
          dispatcher,
        });
        return { status: res.statusCode, body: (await res.body.json()) as { data: unknown } };
      };
      const root = `PVEAPIToken=${emu.server.tokenId}=${emu.server.tokenSecret}`;
      expect(await get('/pvecdk-sim/guests/201', root)).toEqual({ status: 200, body: { data: endpoint } });
      expect((await get('/pvecdk-sim/guests', root)).body.data).toEqual([endpoint]);
      expect((await get('/pvecdk-sim/guests', 'PVEAPIToken=root@pam!pvecdk=wrong')).status).toBe(401);
    } finally {
      await dispatcher.close();
    }
  });

  it('GIVEN a booted Windows guest WHEN a client offers a key that is not authorized THEN authentication fails', async () => {
    const { endpoint } = await windowsGuest();
    await expect(
      connect({ port: endpoint.port!, username: 'Administrator', privateKey: newKey().private }),
    ).rejects.toThrow(/authentication methods failed/);
    await expect(
      connect({ port: endpoint.port!, username: 'Administrator', password: 'wrong' }),
    ).rejects.toThrow(/authentication methods failed/);
  });

  it('GIVEN the RDS user script rendered by lib/render WHEN run as -EncodedCommand THEN the user exists, is in Remote Desktop Users, and a re-run changes nothing', async () => {
    const { endpoint, key, guest } = await windowsGuest();
    const client = await connect({
      port: endpoint.port!,
      username: 'Administrator',
      privateKey: key.private,
    });
    try {
      const script = withPasswordFromStdin(
        renderRdsUserScript({
          userName: 'alice.m',
          fullName: 'Alice M',
          groups: ['Remote Desktop Users'],
          passwordVariable: 'PVECDK_RDS_PASSWORD',
          rules: [],
        }),
        'PVECDK_RDS_PASSWORD',
      );
      const first = await exec(client, powershellCommand(script), { stdin: 'Corr3ct-Horse!\n' });
      expect(first.stdout).toBe('pvecdk:changed\r\n');
      expect(first.code).toBe(0);
      const w = guest().windows!;
      expect(w.users['alice.m']).toMatchObject({
        name: 'alice.m',
        fullName: 'Alice M',
        enabled: true,
        passwordNeverExpires: true,
      });
      expect(w.groups['remote desktop users']!.members).toEqual(['alice.m']);

      const again = await exec(client, powershellCommand(script), { stdin: 'Corr3ct-Horse!\n' });
      expect(again).toMatchObject({ code: 0, stdout: 'pvecdk:unchanged\r\n' });
      expect(w.groups['remote desktop users']!.members).toEqual(['alice.m']);

      // The new account can log in with its password (Windows OpenSSH lets any local user in).
      const alice = await connect({ port: endpoint.port!, username: 'alice.m', password: 'Corr3ct-Horse!' });
      expect((await exec(alice, 'whoami')).stdout).toBe('rds-host\\alice.m\r\n');
      alice.end();
    } finally {
      client.end();
    }
  });

  it('GIVEN the user script WHEN the password comes as an SSH env request sshd does not accept THEN it fails as Windows does: the variable is $null', async () => {
    const { endpoint, key, guest } = await windowsGuest();
    const client = await connect({
      port: endpoint.port!,
      username: 'Administrator',
      privateKey: key.private,
    });
    try {
      const script = renderRdsUserScript({
        userName: 'bob',
        groups: ['Remote Desktop Users'],
        passwordVariable: 'PVECDK_PW',
        rules: [],
      });
      const r = await exec(client, powershellCommand(script), { env: { PVECDK_PW: 'Corr3ct-Horse!' } });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith('#< CLIXML\r\n<Objs Version="1.1.0.1"')).toBe(true);
      expect(clixmlLines(r.stderr)[0]).toBe(
        "ConvertTo-SecureString : Cannot bind argument to parameter 'String' because it is null.",
      );
      expect(guest().windows!.users.bob).toBeUndefined();
    } finally {
      client.end();
    }
  });

  it('GIVEN a weak password WHEN the user script runs THEN New-LocalUser fails with the password policy error and exit code 1', async () => {
    const { endpoint, key, guest } = await windowsGuest();
    const client = await connect({
      port: endpoint.port!,
      username: 'Administrator',
      privateKey: key.private,
    });
    try {
      const script = withPasswordFromStdin(
        renderRdsUserScript({ userName: 'carol', groups: [], passwordVariable: 'PW', rules: [] }),
        'PW',
      );
      const r = await exec(client, powershellCommand(script), { stdin: 'carol123\n' });
      expect(r.code).toBe(1);
      expect(clixmlLines(r.stderr)[0]).toBe(
        'New-LocalUser : The password does not meet the password policy requirements. Check the minimum password length, password complexity and password history requirements.',
      );
      expect(guest().windows!.users.carol).toBeUndefined();
    } finally {
      client.end();
    }
  });

  it('GIVEN a script calling a cmdlet Windows does not have WHEN run THEN it fails with "The term is not recognized" and exit code 1', async () => {
    const { endpoint, key } = await windowsGuest();
    const client = await connect({
      port: endpoint.port!,
      username: 'Administrator',
      privateKey: key.private,
    });
    try {
      const script = "$ErrorActionPreference = 'Stop'\nNew-RdsUser -Name 'x'\nWrite-Output 'not reached'";
      const r = await exec(client, powershellCommand(script));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(clixmlLines(r.stderr)).toEqual([
        "New-RdsUser : The term 'New-RdsUser' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.",
        'At line:2 char:1',
        "+ New-RdsUser -Name 'x'",
        '+ ~~~~~~~~~~~',
        '    + CategoryInfo          : ObjectNotFound: (New-RdsUser:String) [], CommandNotFoundException',
        '    + FullyQualifiedErrorId : CommandNotFoundException',
        ' ',
      ]);
      // With a terminal, the same error is plain text.
      const tty = await exec(client, powershellCommand(script), { pty: true });
      expect(tty.stdout).toContain("New-RdsUser : The term 'New-RdsUser' is not recognized");
      // cmd.exe, the default shell, for a program that does not exist.
      const cmd = await exec(client, 'frobnicate.exe /all');
      expect(cmd).toEqual({
        code: 9009,
        stdout: '',
        stderr:
          "'frobnicate.exe' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n",
      });
    } finally {
      client.end();
    }
  });

  it('GIVEN the shortcut script WHEN run after the user exists THEN the .4DLink (UTF-8 with BOM, as Windows PowerShell writes it), the .lnk and the folder ACL are there', async () => {
    const { endpoint, key, guest } = await windowsGuest();
    const client = await connect({
      port: endpoint.port!,
      username: 'Administrator',
      privateKey: key.private,
    });
    try {
      const user = withPasswordFromStdin(
        renderRdsUserScript({
          userName: 'dave',
          groups: ['Remote Desktop Users'],
          passwordVariable: 'PW',
          rules: [],
        }),
        'PW',
      );
      expect((await exec(client, powershellCommand(user), { stdin: 'Str0ng&Long!\n' })).code).toBe(0);
      const link = renderFourDLink({ databaseName: 'acme', serverAddress: '10.10.1.20' });
      const shortcut = renderRdsShortcutScript({
        userName: 'dave',
        shortcutPath: 'C:\\PvecdkShortcuts\\dave\\ShowGrounds acme.lnk',
        clientExe: 'C:\\Program Files\\ShowGrounds\\ShowGrounds.exe',
        linkPath: 'C:\\PvecdkLinks\\dave\\acme.4DLink',
        linkContent: link,
        description: 'ShowGrounds (acme)',
      });
      const first = await exec(client, powershellCommand(shortcut));
      expect(first).toMatchObject({ code: 0, stdout: 'pvecdk:changed\r\n' });
      const fs = new GuestFs(guest().fs);
      const written = fs.readFile('C:\\PvecdkLinks\\dave\\acme.4DLink');
      expect([...written.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(written.subarray(3).toString('utf8')).toBe(link.replace(/\r?\n/g, '\r\n'));
      const lnk = readShellLink(fs.readFile('C:\\PvecdkShortcuts\\dave\\ShowGrounds acme.lnk'));
      expect(lnk).toMatchObject({
        targetPath: 'C:\\Program Files\\ShowGrounds\\ShowGrounds.exe',
        arguments: '"C:\\PvecdkLinks\\dave\\acme.4DLink"',
        workingDirectory: 'C:\\Program Files\\ShowGrounds',
        description: 'ShowGrounds (acme)',
      });
      expect(guest().windows!.acls['c:\\pvecdkshortcuts\\dave']).toEqual({
        protected: true,
        rules: ['NT AUTHORITY\\SYSTEM', 'BUILTIN\\Administrators', 'RDS-HOST\\dave'].map((identity) => ({
          identity,
          rights: 'ReadAndExecute',
          inheritance: 'ContainerInherit, ObjectInherit',
          propagation: 'None',
          type: 'Allow',
        })),
      });
      expect((await exec(client, powershellCommand(shortcut))).stdout).toBe('pvecdk:unchanged\r\n');
    } finally {
      client.end();
    }
  });

  it('GIVEN the shortcut script for a user that does not exist yet WHEN run THEN the ACL step fails as .NET does (identity not translated)', async () => {
    const { endpoint, key } = await windowsGuest();
    const client = await connect({
      port: endpoint.port!,
      username: 'Administrator',
      privateKey: key.private,
    });
    try {
      const shortcut = renderRdsShortcutScript({
        userName: 'nobody',
        shortcutPath: 'C:\\PvecdkShortcuts\\nobody\\x.lnk',
        clientExe: 'C:\\Program Files\\ShowGrounds\\ShowGrounds.exe',
        linkPath: 'C:\\PvecdkLinks\\nobody\\x.4DLink',
        linkContent: '<x/>',
        description: 'x',
      });
      const r = await exec(client, powershellCommand(shortcut));
      expect(r.code).toBe(1);
      expect(clixmlLines(r.stderr)[0]).toBe(
        'Exception calling "AddAccessRule" with "1" argument(s): "Some or all identity references could not be translated."',
      );
    } finally {
      client.end();
    }
  });

  it('GIVEN the firewall script WHEN run twice with single addresses THEN the rule exists once and the second run is unchanged', async () => {
    const { endpoint, key, guest } = await windowsGuest();
    const client = await connect({
      port: endpoint.port!,
      username: 'Administrator',
      privateKey: key.private,
    });
    try {
      const script = renderWindowsFirewallScript({
        ruleGroup: 'acme-4d',
        ports: '19812-19815',
        allowFrom: ['10.20.0.5'],
      });
      expect((await exec(client, powershellCommand(script))).stdout).toBe('pvecdk:changed\r\n');
      expect((await exec(client, powershellCommand(script))).stdout).toBe('pvecdk:unchanged\r\n');
      expect(guest().windows!.firewallRules).toEqual([
        expect.objectContaining({
          displayName: 'pvecdk acme-4d',
          group: 'pvecdk',
          direction: 'Inbound',
          action: 'Allow',
          protocol: 'TCP',
          localPort: ['19812-19815'],
          remoteAddress: ['10.20.0.5'],
        }),
      ]);
      // Windows keeps a subnet as address/mask, so a CIDR never compares equal to what it reads back.
      const cidr = renderWindowsFirewallScript({
        ruleGroup: 'acme-4d',
        ports: '19812-19815',
        allowFrom: ['10.20.0.0/24'],
      });
      expect((await exec(client, powershellCommand(cidr))).stdout).toBe('pvecdk:changed\r\n');
      expect((await exec(client, powershellCommand(cidr))).stdout).toBe('pvecdk:changed\r\n');
      expect(guest().windows!.firewallRules[0]!.remoteAddress).toEqual(['10.20.0.0/255.255.255.0']);
    } finally {
      client.end();
    }
  });

  it('GIVEN a running Windows guest WHEN the VM stops THEN its SSH server closes, it has no endpoint and its port refuses', async () => {
    const { emu, endpoint, key, vm } = await windowsGuest();
    const client = await connect({
      port: endpoint.port!,
      username: 'Administrator',
      privateKey: key.private,
    });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await emu.api.qemuPower(vm.node, vm.vmid, 'stop');
    await closed;
    expect(emu.server.guests.endpoint(vm.vmid)).toBeUndefined();
    expect(emu.server.guestEndpoints()).toEqual([]);
    await expect(
      connect({ port: endpoint.port!, username: 'Administrator', privateKey: key.private }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
