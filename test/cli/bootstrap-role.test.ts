import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

const bootstrapRole = (args: readonly string[]) => runCli(['bootstrap-role', ...args]);

describe('pvecdk bootstrap-role', () => {
  it('GIVEN stacks/acme.ts WHEN run THEN it prints the pveum commands for the role, user, token and ACLs', () => {
    const run = bootstrapRole(['stacks/acme.ts']);
    // Every type has a handler: no note about types the role leaves out.
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const commands = run.stdout.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(commands.every((l) => l.startsWith('pveum '))).toBe(true);
    expect(commands[0]).toMatch(/^pveum role add PvecdkDeploy --privs "[A-Za-z.,]+"$/);
    expect(commands[0]).toContain('VM.Clone');
    expect(commands[0]).toContain('SDN.Use');
    expect(commands[0]).not.toContain('VM.Monitor');
    expect(commands).toContain('pveum user add pvecdk@pve --comment "pvecdk deploy"');
    expect(commands).toContain(
      'pveum user token add pvecdk@pve deploy --privsep 1 --comment "pvecdk deploy"',
    );
    expect(commands).toContain(
      "pveum acl modify / --roles PvecdkDeploy --users pvecdk@pve --tokens 'pvecdk@pve!deploy' --propagate 0",
    );
    expect(commands).toContain(
      "pveum acl modify /vms --roles PvecdkDeploy --users pvecdk@pve --tokens 'pvecdk@pve!deploy' --propagate 1",
    );
    expect(commands).toContain(
      "pveum acl modify /storage/local-lvm --roles PvecdkDeploy --users pvecdk@pve --tokens 'pvecdk@pve!deploy' --propagate 1",
    );
    expect(run.stdout).toContain('what deploying platform, acme needs');
  });

  it('GIVEN --json and PVE 9 with another user and token WHEN run THEN the output parses and names them', () => {
    const run = bootstrapRole([
      'stacks/acme.ts',
      '--json',
      '--pve-version',
      '9',
      '--user',
      'ci@pve',
      '--token',
      'main',
    ]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({
      stacks: ['platform', 'acme'],
      pveVersion: 9,
      user: 'ci@pve',
      token: 'ci@pve!main',
      privsep: true,
      pendingTypes: [],
    });
    expect(json.roles.map((r: { id: string }) => r.id)).toEqual(['PvecdkDeploy']);
    expect(json.acl.find((a: { path: string }) => a.path === '/sdn/zones/localnetwork/vmbr1')).toMatchObject({
      roles: ['PvecdkDeploy'],
      propagate: true,
      users: ['ci@pve'],
      tokens: ['ci@pve!main'],
      privileges: ['SDN.Use'],
      neededFor: ['acme/acme-main/Guest/Vm', 'platform/Router/Guest/Vm'],
    });
    expect(json.commands).toContain('pveum user token add ci@pve main --privsep 1 --comment "pvecdk deploy"');
  });

  it('GIVEN --pve-version 7 WHEN run THEN it exits 2 saying which versions it knows', () => {
    const run = bootstrapRole(['stacks/acme.ts', '--pve-version', '7']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("CLI_USAGE: --pve-version must be 8 or 9, got '7'");
    expect(run.stdout).toBe('');
  });

  it('GIVEN no stack file or an unknown option WHEN run THEN it exits 2 with the usage', () => {
    const none = bootstrapRole([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('bootstrap-role takes exactly one stack file');
    const unknown = bootstrapRole(['stacks/acme.ts', '--privs', 'all']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error CLI_USAGE: unknown option '--privs' for bootstrap-role");
  });
});
