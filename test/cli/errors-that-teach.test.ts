import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

const fixture = (f: string) => join('test/cli/fixtures/teach', f);
const tmp = () => mkdtempSync(join(tmpdir(), 'pvecdk-teach-'));

describe('synth errors that teach', () => {
  it('GIVEN two customers with four mistakes between them WHEN synthesized THEN every one is reported with file:line, the Customer, a code and a hint', () => {
    // GIVEN test/cli/fixtures/teach/many-mistakes.ts: acme at line 4, globex at line 11
    const file = 'test/cli/fixtures/teach/many-mistakes.ts';
    // WHEN
    const run = runCli(['synth', fixture('many-mistakes.ts'), '--out', tmp()]);
    // THEN
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      [
        'error SYNTH_VALIDATION: synthesis failed with 4 errors:',
        `  ${file}:4: Customer acme [acme] servers[0].memoryMib: no such prop; did you mean memoryMiB? (SYNTH_INVALID_PROPS)`,
        '      hint: write memoryMiB',
        `  ${file}:4: Customer acme [acme] users[0].name = 'Acme.Alice': lower-case letters, digits, . _ -, at most 20 characters (SYNTH_INVALID_PROPS)`,
        '      hint: fix this prop of the Customer; CustomerProps documents each prop and its limits',
        `  ${file}:11: Customer globex [globex] servers[0] (globex-main): address 192.168.1.5 is not inside the LAN subnet 10.20.0.0/16 of platform/Lan (SYNTH_OUT_OF_RANGE)`,
        "      hint: pick an address in the LAN 10.20.0.0/16, or leave address out to derive one from the customer's slice",
        `  ${file}:11: Customer globex [globex] users[0] (globex.carol).servers[1] = 'initech-main': no loaded customer defines this server (known: none) (SYNTH_UNKNOWN_NAME)`,
        '      hint: import the stack file of the customer that defines initech-main before this one, or fix the name',
        '',
      ].join('\n'),
    );
    // AND with --json each issue is an object of its own
    const json = runCli(['synth', fixture('many-mistakes.ts'), '--out', tmp(), '--json']);
    expect(json.code).toBe(2);
    const error = JSON.parse(json.stderr);
    expect(error.issues.map((i: Record<string, string>) => [i.location, i.construct, i.code])).toEqual([
      [`${file}:4`, 'Customer acme', 'SYNTH_INVALID_PROPS'],
      [`${file}:4`, 'Customer acme', 'SYNTH_INVALID_PROPS'],
      [`${file}:11`, 'Customer globex', 'SYNTH_OUT_OF_RANGE'],
      [`${file}:11`, 'Customer globex', 'SYNTH_UNKNOWN_NAME'],
    ]);
  });

  it('GIVEN acme in the identity record WHEN a file with a misspelt prop uses acme-main without importing acme.ts THEN both are reported, the hint giving the import to add', () => {
    // GIVEN a project whose record holds acme (synthesized from stacks/acme.ts)
    const dir = tmp();
    const env = { PVECDK_IDENTITIES: join(dir, 'pvecdk.identities.json') };
    expect(runCli(['synth', join(ROOT, 'stacks/acme.ts'), '--out', tmp()], { cwd: dir, env }).code).toBe(0);
    // WHEN
    const run = runCli(['synth', join(ROOT, fixture('forgot-import.ts')), '--out', tmp()], { cwd: dir, env });
    // THEN
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('synthesis failed with 2 errors:');
    expect(run.stderr).toContain(
      'forgot-import.ts:5: Customer umbrella [umbrella] servers[0].memoryMib: no such prop; did you mean memoryMiB? (SYNTH_INVALID_PROPS)',
    );
    expect(run.stderr).toMatch(
      /forgot-import\.ts:5: Customer umbrella \[umbrella\] users\[0\] \(umbrella\.ann\)\.servers\[1\] = 'acme-main': no loaded customer defines this server .*\(SYNTH_UNKNOWN_NAME\)\n {6}hint: acme-main is declared by stack acme in [^\n]*stacks\/acme\.ts, which this run did not load: add import '\.\.\/\.\.\/\.\.\/\.\.\/stacks\/acme\.ts'; to [^\n]*forgot-import\.ts\n/,
    );
    expect(run.stderr).not.toContain('CLI_STACK_FILE_THREW');
  });

  it('GIVEN a file that uses what a broken Customer could not build WHEN synthesized THEN the mistake of the Customer is reported, and the throw it caused is named in the hint', () => {
    const run = runCli(['synth', fixture('uses-broken.ts'), '--out', tmp()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error SYNTH_VALIDATION: synthesis failed with 1 error:\n  test/cli/fixtures/teach/uses-broken.ts:4: Customer acme [acme] servers[0].cores = 0: ',
    );
    expect(run.stderr).toContain(
      "  hint: fix these first: the stack file then failed, most likely because of them (test/cli/fixtures/teach/uses-broken.ts:11 threw TypeError: Cannot read properties of undefined (reading 'address'))",
    );
    expect(run.stderr).not.toContain('error CLI_STACK_FILE_THREW');
  });

  it('GIVEN an acknowledged policy finding WHEN synthesized THEN synth lists it with file:line, rule and reason, in text and --json', () => {
    const env = { PVECDK_IDENTITIES: '' };
    const run = runCli(['synth', fixture('acknowledged.ts'), '--out', tmp()], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      [
        'Acknowledged (1, accepted in the stack files, not errors):',
        "  test/cli/fixtures/construct-mistakes/platform.ts:4: [platform/Router/Config] port forward 'direct rdp' on wan exposes RDP (3389) to the Internet (PVECDK-NO-WAN-RDP)",
        '      acknowledged on platform/Router: migration window, ticket OPS-1234',
      ].join('\n'),
    );
    const json = runCli(['synth', fixture('acknowledged.ts'), '--out', tmp(), '--json'], { env });
    expect(JSON.parse(json.stdout).acknowledged).toEqual([
      {
        path: 'platform/Router/Config',
        rule: 'PVECDK-NO-WAN-RDP',
        message: "port forward 'direct rdp' on wan exposes RDP (3389) to the Internet",
        acknowledgement: {
          rule: 'PVECDK-NO-WAN-RDP',
          path: 'platform/Router',
          reason: 'migration window, ticket OPS-1234',
        },
        location: 'test/cli/fixtures/construct-mistakes/platform.ts:4',
      },
    ]);
  });

  it('GIVEN an acknowledged policy finding WHEN diffed THEN diff lists it too, in text and --json', () => {
    const cwd = tmp();
    const env = { PVECDK_IDENTITIES: '', PVECDK_SIM_LATENCY_SCALE: '0.001' };
    const file = join(ROOT, fixture('acknowledged.ts'));
    const run = runCli(['diff', file], { cwd, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /\nAcknowledged \(1, accepted in the stack files, not errors\):\n {2}[^\n]*construct-mistakes\/platform\.ts:4: \[platform\/Router\/Config\] port forward 'direct rdp'[^\n]*\(PVECDK-NO-WAN-RDP\)\n {6}acknowledged on platform\/Router: migration window, ticket OPS-1234\n/,
    );
    const json = runCli(['diff', file, '--json'], { cwd, env });
    const diff = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.type === 'diff');
    expect(diff?.acknowledged).toEqual([
      expect.objectContaining({ path: 'platform/Router/Config', rule: 'PVECDK-NO-WAN-RDP' }),
    ]);
  });
});
