import { describe, expect, it } from 'vitest';
import { Template } from '../../lib/assertions/index.ts';
import { STDIN_LOADER } from '../../lib/engine/guest/powershell-stdin.ts';
import {
  renderRdsShortcutReadScript,
  renderRdsShortcutRemoveScript,
  renderRdsUserReadScript,
  renderRdsUserRetireScript,
} from '../../lib/engine/guest/rds-guest-scripts.ts';
import { powerShellDialect } from '../../lib/ssh/dialects.ts';
import { acme } from '../../stacks/acme.ts';
import { globex } from '../../stacks/globex.ts';
import { powershellSyntaxErrors } from './powershell-grammar.ts';

/** Every PowerShell text of the example stacks' plans: scripts and guest commands on Windows guests. */
function planScripts(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const stack of [acme, globex]) {
    const resources = Template.fromStack(stack).toJSON().resources as Record<
      string,
      { type: string; path: string; properties: Record<string, unknown> }
    >;
    for (const r of Object.values(resources)) {
      const p = r.properties;
      if (r.type === 'pvecdk_rds_user' || r.type === 'pvecdk_rds_shortcut')
        out.push([r.path, String(p.script)]);
      if (r.type === 'pvecdk_guest_command' && (p.target as { dialect: string }).dialect === 'powershell') {
        out.push([`${r.path} command`, String(p.command)]);
        if (p.check) out.push([`${r.path} check`, String(p.check)]);
      }
    }
  }
  return out;
}

const user = { userName: 'acme.alice', linkPath: 'C:\\L\\a.4DLink', shortcutPath: 'C:\\S\\a.lnk' };
const handlerScripts: Array<[string, string]> = [
  ['rds user read', renderRdsUserReadScript({ userName: 'acme.alice', groups: ['Remote Desktop Users'] })],
  [
    'rds user retire',
    renderRdsUserRetireScript({
      userName: 'acme.alice',
      folders: ['C:\\S\\acme.alice'],
      deleteAccount: true,
    }),
  ],
  ['rds shortcut read', renderRdsShortcutReadScript(user)],
  ['rds shortcut remove', renderRdsShortcutRemoveScript(user)],
  ['stdin loader', STDIN_LOADER],
];

describe('rendered PowerShell, parsed by a real PowerShell grammar (tree-sitter-powershell)', () => {
  it('GIVEN a script with a syntax error WHEN parsed THEN the grammar reports it (the check can fail)', async () => {
    expect(await powershellSyntaxErrors("if ($a -eq 1 { 'x' }")).not.toEqual([]);
    expect(await powershellSyntaxErrors("$x = @{ a = 'b' \nWrite-Output $x")).not.toEqual([]);
  });

  it('GIVEN the example stacks WHEN synthesized THEN every Windows script in their plans parses, alone and as the dialect runs it', async () => {
    const scripts = planScripts();
    // Users, shortcuts and the DB firewall command with its check: nothing skipped silently.
    expect(scripts.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        'acme/acme.alice/RdsUser',
        'globex/globex.carol/Shortcut-acme-main',
        'acme/acme-main/GuestFirewall command',
        'acme/acme-main/GuestFirewall check',
      ]),
    );
    for (const [path, script] of scripts) {
      expect({ path, errors: await powershellSyntaxErrors(script) }).toEqual({ path, errors: [] });
      const wrapped = powerShellDialect.wrap(script, { envFromStdin: ['PVECDK_PASSWORD'] });
      expect({ path, errors: await powershellSyntaxErrors(wrapped) }).toEqual({ path, errors: [] });
    }
  });

  it('GIVEN the scripts the RDS handlers render themselves WHEN parsed THEN each parses', async () => {
    for (const [what, script] of handlerScripts) {
      expect({ what, errors: await powershellSyntaxErrors(script) }).toEqual({ what, errors: [] });
    }
  });
});
