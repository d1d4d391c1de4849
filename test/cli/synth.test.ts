import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

const fixture = (f: string) => join('test/cli/fixtures', f);
const tmp = () => mkdtempSync(join(tmpdir(), 'pvecdk-cli-'));

describe('pvecdk synth', () => {
  it('GIVEN a stack file that imports its platform WHEN synthesized THEN both plans and the manifest are written', () => {
    const out = tmp();
    const run = runCli(['synth', fixture('ok/acme.ts'), '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Synthesized 2 stacks');
    expect(run.stdout).toMatch(/acme\s+1 resources → lab, after platform/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.stacks)).toEqual(['acme', 'platform']);
    expect(manifest.stacks.acme.dependsOn).toEqual(['platform']);
  });

  it('GIVEN --json WHEN synthesized THEN stdout is one JSON document naming the targets', () => {
    const out = tmp();
    const run = runCli(['synth', fixture('ok/acme.ts'), '--out', out, '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.stacks).toEqual(['acme', 'platform']);
    expect(result.targets).toEqual(['acme']);
  });

  it('GIVEN a missing file WHEN synthesized THEN exit 2 with the stack files nearby', () => {
    const run = runCli(['synth', fixture('ok/globex.ts')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error CLI_STACK_FILE_NOT_FOUND: stack file test/cli/fixtures/ok/globex.ts does not exist\n  hint: stack files in test/cli/fixtures/ok: acme.ts, shared.ts',
    );
  });

  it('GIVEN a file with a syntax error WHEN synthesized THEN exit 2 naming file:line:col, no stack trace', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'typed.ts'), "const name: string = 'acme';\nconst x: number = (name;\n");
    // Outside an ESM package, Node 20 parses the file itself and reports the line only; Node 24 goes through esbuild.
    const cjs = tmp();
    writeFileSync(join(cjs, 'plain.ts'), "const name = 'acme';\nconst x = (name;\n");
    const typed = runCli(['synth', join(dir, 'typed.ts')]);
    expect(typed.code).toBe(2);
    expect(typed.stderr).toMatch(/error CLI_STACK_FILE_COMPILE: .*typed\.ts:2:\d+: Expected "\)"/);
    expect(typed.stderr).not.toMatch(/\n\s+at /);
    const plain = runCli(['synth', join(cjs, 'plain.ts')]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(
      /error CLI_STACK_FILE_COMPILE: .*plain\.ts:2(:\d+)?: (Unexpected token ';'|Expected "\)")/,
    );
  });

  it('GIVEN a file that throws WHEN synthesized THEN exit 2 with file:line of the throw, trace only with --debug', () => {
    const run = runCli(['synth', fixture('throws.ts')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error CLI_STACK_FILE_THREW: test/cli/fixtures/throws.ts:5 threw RangeError: no customers configured',
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const debug = runCli(['synth', fixture('throws.ts'), '--debug']);
    expect(debug.stderr).toMatch(/\n\s+at .*throws\.ts:5/);
  });

  it('GIVEN a file importing a missing module WHEN synthesized THEN exit 2 with CLI_STACK_FILE_IMPORT', () => {
    const run = runCli(['synth', fixture('bad-import.ts')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error CLI_STACK_FILE_IMPORT: .*does-not-exist\.ts/);
  });

  it('GIVEN a file that only imports others WHEN synthesized THEN it stands for the stacks its imports define', () => {
    const out = tmp();
    const run = runCli(['synth', fixture('only-imports.ts'), '--out', out, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).targets).toEqual(['platform']);
  });

  it('GIVEN --all WHEN synthesized THEN every file of stacks/ is loaded into one app and each of their stacks is a target', () => {
    const out = tmp();
    const run = runCli(['synth', '--all', '--out', out, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).targets).toEqual(['acme', 'globex', 'platform']);
  });

  it('GIVEN two files WHEN synthesized THEN the stacks of both are targets', () => {
    const out = tmp();
    const run = runCli(['synth', 'stacks/acme.ts', 'stacks/platform.ts', '--out', out, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).targets).toEqual(['acme', 'platform']);
  });

  it('GIVEN --all and a file WHEN synthesized THEN exit 2 saying --all takes none', () => {
    const run = runCli(['synth', '--all', 'stacks/acme.ts']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error CLI_USAGE: synth --all takes no stack file');
  });

  it('GIVEN invalid props on two resources WHEN synthesized THEN exit 2 listing both with construct paths', () => {
    const out = tmp();
    const run = runCli(['synth', fixture('invalid-props.ts'), '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error SYNTH_VALIDATION: synthesis failed with 2 errors');
    expect(run.stderr).toContain(
      '[acme/Alice] proxmox_virtual_environment_user: userId = 1: Invalid input: expected string',
    );
    expect(run.stderr).toContain(
      '[acme/Bob] proxmox_virtual_environment_user: password: expects a secret reference',
    );
    // Each issue with its own hint under it.
    expect(run.stderr.match(/\n {6}hint: fix the props passed to this construct/g)).toHaveLength(2);
    expect(run.stderr).not.toContain('plain');
  });

  it.each([
    [
      'a customer number out of range',
      'customer-number.ts',
      'SYNTH_OUT_OF_RANGE',
      'customer number 9001 is outside 1..9000 (the cluster has 9000 customer VM id blocks)',
      'give the customer a free number in 1..9000',
    ],
    [
      'an address outside the LAN',
      'address-outside-lan.ts',
      'SYNTH_OUT_OF_RANGE',
      'servers[0] (acme-main): address 192.168.1.5 is not inside the LAN subnet 10.20.0.0/16 of platform/Lan',
      'pick an address in the LAN 10.20.0.0/16',
    ],
    [
      "an unknown server in a user's list",
      'unknown-server.ts',
      'SYNTH_UNKNOWN_NAME',
      "users[0] (acme.alice).servers[1] = 'globex-main': no loaded customer defines this server (known: acme-main)",
      'import the stack file of the customer that defines globex-main',
    ],
  ])(
    'GIVEN %s in a stack file WHEN synthesized THEN exit 2 with a validation issue of its own code, the file:line, the Customer and a hint',
    (_what, file, code, message, hint) => {
      const where = `test/cli/fixtures/construct-mistakes/${file}:5`;
      const run = runCli(['synth', fixture(`construct-mistakes/${file}`), '--out', tmp()]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `error SYNTH_VALIDATION: synthesis failed with 1 error:\n  ${where}: Customer acme [acme] ${message} (${code})\n      hint: ${hint}`,
      );
      expect(run.stderr).not.toContain('CLI_STACK_FILE_THREW');

      const json = runCli(['synth', fixture(`construct-mistakes/${file}`), '--out', tmp(), '--json']);
      expect(json.code).toBe(2);
      expect(json.stdout).toBe('');
      expect(JSON.parse(json.stderr)).toMatchObject({
        type: 'error',
        code: 'SYNTH_VALIDATION',
        issues: [
          {
            path: 'acme',
            construct: 'Customer acme',
            code,
            message,
            hint: expect.stringContaining(hint),
            location: where,
          },
        ],
      });
    },
  );

  it('GIVEN an invalid stack name WHEN synthesized THEN exit 2 with the code and the line of the user code', () => {
    const run = runCli(['synth', fixture('bad-stack-name.ts')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "error SYNTH_INVALID_ID: test/cli/fixtures/bad-stack-name.ts:4: Stack 'acme corp'",
    );
  });

  it('GIVEN an unknown command or option WHEN run THEN exit 2 with a usage error', () => {
    expect(runCli(['deploy-everything']).stderr).toContain(
      "error CLI_USAGE: unknown command 'deploy-everything'",
    );
    const bad = runCli(['synth', fixture('ok/acme.ts'), '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error CLI_USAGE: unknown option '--bogus' for synth");
  });

  it('GIVEN a cdk.json with a literal token secret WHEN synthesized THEN exit 2 naming the key', () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'cdk.json'),
      JSON.stringify({
        remotes: {
          prod: { hosts: ['https://10.0.0.1:8006'], tokenId: 'root@pam!ci', tokenSecret: 's3cr3t' },
        },
      }),
    );
    const run = runCli(['synth', join(ROOT, fixture('ok/acme.ts'))], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('remotes.prod.tokenSecret: must be a reference "env:NAME" or "file:path"');
    expect(run.stderr).not.toContain('s3cr3t');
  });

  it('GIVEN cdk.json context WHEN synthesized THEN stacks read it and --context overrides it', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ output: 'plans', context: { remote: 'lab' } }));
    const run = runCli(
      ['synth', join(ROOT, fixture('invalid-props.ts').replace('invalid-props', 'ok/shared')), '--json'],
      {
        cwd: dir,
      },
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).outdir).toBe(join(dir, 'plans'));
  });
});
