import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  decodePowerShell,
  encodePowerShell,
  fillSecretMarkers,
  linkContentSha256,
  powershellCommand,
  psQuote,
  renderFourDLink,
  renderOpenVpnProfile,
  renderRdsShortcutScript,
  renderRdsUserScript,
  renderWindowsFirewallCheck,
  renderWindowsFirewallScript,
  renderWireGuardClient,
  secretMarkersIn,
} from '../../lib/render/index.ts';

describe('OpenVPN client profile', () => {
  const profile = renderOpenVpnProfile({
    remoteHost: 'vpn.example.com',
    port: 1194,
    serverName: 'pvecdk-vpn-server',
    secrets: {
      caCert: 'generated:vpn/ca.crt',
      clientCert: 'generated:vpn/u/a.crt',
      clientKey: 'generated:vpn/u/a.key',
      tlsCrypt: 'generated:vpn/tc.key',
    },
  });

  it('GIVEN a profile WHEN parsed line by line THEN the directives are there and the inline blocks balance', () => {
    const lines = profile.split('\n');
    for (const d of [
      'client',
      'dev tun',
      'proto udp4',
      'remote vpn.example.com 1194',
      'nobind',
      'persist-key',
      'persist-tun',
      'remote-cert-tls server',
    ]) {
      expect(lines).toContain(d);
    }
    expect(lines).toContain('data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305');
    const blocks = ['ca', 'cert', 'key', 'tls-crypt'].map((t) => [
      lines.indexOf(`<${t}>`),
      lines.indexOf(`</${t}>`),
    ]);
    for (const [open, close] of blocks) expect(close).toBe(open! + 2);
  });

  it('GIVEN the markers WHEN filled THEN values appear and an unknown reference fails', () => {
    expect(secretMarkersIn(profile)).toHaveLength(4);
    const filled = fillSecretMarkers(profile, (ref) => `VALUE(${ref})`);
    expect(filled).toContain('VALUE(generated:vpn/u/a.key)');
    expect(() => fillSecretMarkers(profile, () => undefined)).toThrow(
      'no value for secret generated:vpn/ca.crt',
    );
  });
});

describe('WireGuard client', () => {
  it('GIVEN a client WHEN parsed as INI THEN Interface and Peer hold the keys and only the RDS host is routed', () => {
    const conf = renderWireGuardClient({
      address: '10.9.0.7',
      prefix: 24,
      endpointHost: 'vpn.example.com',
      endpointPort: 51820,
      allowedIps: ['10.30.0.10'],
      serverPublicKey: `${'A'.repeat(43)}=`,
      secrets: { privateKey: 'generated:wg/u/a.key' },
    });
    const sections: Record<string, Record<string, string>> = {};
    let current = '';
    for (const line of conf.split('\n')) {
      const h = /^\[(\w+)\]$/.exec(line);
      if (h) {
        current = h[1]!;
        sections[current] = {};
      } else if (line.includes(' = ')) sections[current]![line.split(' = ')[0]!] = line.split(' = ')[1]!;
    }
    expect(sections.Interface).toEqual({
      PrivateKey: '{{secret:generated:wg/u/a.key}}',
      Address: '10.9.0.7/24',
    });
    expect(sections.Peer).toMatchObject({
      Endpoint: 'vpn.example.com:51820',
      AllowedIPs: '10.30.0.10/32',
      PersistentKeepalive: '25',
    });
  });
});

describe('.4DLink', () => {
  it('GIVEN a server WHEN rendered THEN the attributes parse back', () => {
    const xml = renderFourDLink({ databaseName: 'ShowGrounds', serverAddress: '10.20.1.42' });
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    expect(doc.database_shortcut).toEqual({
      is_remote: 'true',
      server_database_name: 'ShowGrounds',
      server_path: '10.20.1.42:19813',
    });
    expect(() => renderFourDLink({ databaseName: 'x', serverAddress: 'acme' })).toThrow(
      "serverAddress: 'acme' is not an IPv4 address",
    );
  });
});

const ALICE = {
  userName: 'acme.alice',
  groups: ['Remote Desktop Users'],
  passwordVariable: 'PVECDK_PASSWORD',
  rules: [
    {
      name: 'pvecdk-rds/acme.alice/allow/acme-main',
      displayName: 'pvecdk: acme.alice may reach 4D server acme-main',
      action: 'Allow' as const,
      ports: '19812-19815',
      addresses: ['10.20.1.50'],
    },
  ],
};

describe('PowerShell', () => {
  it('GIVEN a hostile value WHEN quoted THEN it stays one single-quoted literal', () => {
    const evil = "x'; Remove-Item C:\\ -Recurse; '";
    const quoted = psQuote(evil);
    expect(quoted).toBe("'x''; Remove-Item C:\\ -Recurse; '''");
    // Inside the quotes, every quote is doubled: removing the pairs leaves no quote to end the string early.
    expect(quoted.slice(1, -1).replace(/''/g, '')).not.toContain("'");
    expect(() => psQuote('a\nb')).toThrow('line break');
  });

  it('GIVEN a script WHEN encoded THEN it decodes back exactly and the command line carries only base64', () => {
    const script = renderRdsUserScript(ALICE);
    expect(decodePowerShell(encodePowerShell(script))).toBe(script);
    expect(powershellCommand(script)).toMatch(
      /^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/,
    );
  });

  it('GIVEN the RDS user script WHEN rendered THEN values travel as one data literal, the password only from the environment and only for a new account', () => {
    const user = renderRdsUserScript({ ...ALICE, fullName: "Alice O'Brien" });
    const lines = user.split('\n');
    expect(lines[0]).toBe('# pvecdk rds-user: converge');
    // The one line holding values is the quoted JSON literal; the body names no user.
    expect(lines[1]).toMatch(/^\$p = '\{.*\}' \| ConvertFrom-Json$/);
    expect(lines[1]).toContain('"fullName":"Alice O\'\'Brien"');
    expect(lines.slice(2).join('\n')).not.toContain('acme.alice');
    expect(user).toContain('$initial = $env:PVECDK_PASSWORD');
    // The password is set in one place only: inside the branch that creates a missing account.
    const setsPassword = lines.filter((l) => /-Password /.test(l));
    expect(setsPassword).toEqual([
      expect.stringMatching(/^ {2}New-LocalUser -Name \$p\.user -Password \$secure/),
    ]);
    expect(user).not.toMatch(/Set-LocalUser[^\n]*-Password/);
    expect(user).toContain('New-NetFirewallRule -Name $r.name');
    expect(user).toContain('-LocalUser $sddl');
    expect(user).toContain('$sddl = "D:(A;;CC;;;$($user.SID.Value))"');
  });

  it('GIVEN the RDS shortcut script WHEN rendered THEN the link travels as base64 with its SHA-256 and every write is guarded', () => {
    const shortcut = renderRdsShortcutScript({
      userName: 'acme.alice',
      shortcutPath: 'C:\\ShowGrounds\\Shortcuts\\acme.alice\\ShowGrounds - acme-main.lnk',
      clientExe: 'C:\\Program Files\\ShowGrounds\\ShowGrounds.exe',
      linkPath: 'C:\\ShowGrounds\\Links\\acme.alice\\acme-main.4DLink',
      linkContent: '<?xml version="1.0"?>\n<database_shortcut/>',
      description: "Acme's server",
    });
    const params = JSON.parse(/^\$p = '(.*)' \| ConvertFrom-Json$/m.exec(shortcut)![1]!.replace(/''/g, "'"));
    expect(Buffer.from(params.linkBase64, 'base64').toString('utf8')).toBe(
      '<?xml version="1.0"?>\n<database_shortcut/>',
    );
    expect(params.linkSha256).toBe(linkContentSha256('<?xml version="1.0"?>\n<database_shortcut/>'));
    expect(params.description).toBe("Acme's server");
    expect(params.arguments).toBe('"C:\\ShowGrounds\\Links\\acme.alice\\acme-main.4DLink"');
    // Every line that changes something sits inside an if-block that checks first.
    const changing = shortcut
      .split('\n')
      .filter((l) => /WriteAllBytes|New-Item -ItemType Directory|\$s\.Save\(\)|Set-Acl/.test(l));
    expect(changing).toHaveLength(4);
    for (const line of changing) expect(line).toMatch(/^ {2,}\S/);
    expect(() =>
      renderRdsShortcutScript({
        userName: 'a',
        shortcutPath: 'relative.lnk',
        clientExe: 'C:\\x.exe',
        linkPath: 'C:\\l',
        linkContent: '',
        description: '',
      }),
    ).toThrow("shortcutPath: 'relative.lnk' is not an absolute Windows path");
  });

  it('GIVEN the DB firewall scripts WHEN rendered THEN the converge is guarded by the same comparison the check exits on', () => {
    const input = { ruleGroup: '4D acme-main', ports: '19812-19815', allowFrom: ['10.30.0.10'] };
    const fw = renderWindowsFirewallScript(input);
    const check = renderWindowsFirewallCheck(input);
    expect(fw).toContain('"from":["10.30.0.10"]');
    expect(fw).toMatch(/if \(-not \$same\) \{\n(.*\n)?\s+New-NetFirewallRule/);
    expect(check).toContain('if ($same) { exit 0 } else { exit 1 }');
    expect(check).not.toMatch(/New-NetFirewallRule|Remove-NetFirewallRule|Set-NetFirewallRule/);
  });
});
