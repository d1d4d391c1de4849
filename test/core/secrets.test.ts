import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { App, Resource, SecretValue, Stack, type SynthError } from '../../lib/core/index.ts';

describe('secrets by reference', () => {
  it('GIVEN secrets from env, file and the generated store WHEN synthesized THEN the plan holds only their references', () => {
    const out = mkdtempSync(join(tmpdir(), 'pvecdk-secret-'));
    process.env.PVECDK_TEST_SECRET = 'hunter2-the-actual-value';
    const app = new App({ outdir: out });
    const s = new Stack(app, 's');
    new Resource(s, 'A', {
      type: 'proxmox_virtual_environment_user',
      properties: { userId: 'a@pve', password: SecretValue.env('PVECDK_TEST_SECRET') },
    });
    new Resource(s, 'B', {
      type: 'proxmox_virtual_environment_user',
      properties: { userId: 'b@pve', password: SecretValue.file('secrets/b.txt') },
    });
    new Resource(s, 'C', {
      type: 'proxmox_virtual_environment_user',
      properties: { userId: 'c@pve', password: SecretValue.generated('rds/c') },
    });
    app.synth();
    const written = readdirSync(out)
      .map((f) => readFileSync(join(out, f), 'utf8'))
      .join('\n');
    expect(written).not.toContain('hunter2');
    const passwords = Object.values(JSON.parse(readFileSync(join(out, 's.plan.json'), 'utf8')).resources).map(
      (r) => (r as { properties: { password: unknown } }).properties.password,
    );
    expect(passwords.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { secret: 'env:PVECDK_TEST_SECRET' },
      { secret: 'file:secrets/b.txt' },
      { secret: 'generated:rds/c' },
    ]);
  });

  it('GIVEN a plain string where a secret is expected WHEN synthesized THEN synth fails and says what to write instead', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-secret-')) });
    const s = new Stack(app, 's');
    new Resource(s, 'User', {
      type: 'proxmox_virtual_environment_user',
      properties: { userId: 'a@pve', password: 'P@ssw0rd!' },
    });
    let message = '';
    try {
      app.synth({ write: false });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('[s/User]');
    expect(message).toContain('password: expects a secret reference, not a literal string');
    expect(message).toContain('SecretValue.env(NAME)');
    expect(message).not.toContain('P@ssw0rd!');
  });

  it('GIVEN a secret value WHEN printed, inspected or serialized THEN only the reference shows', () => {
    const secret = SecretValue.env('TOKEN');
    expect(String(secret)).toBe('SecretValue(env:TOKEN)');
    expect(JSON.stringify({ secret })).toBe('{"secret":{"secret":"env:TOKEN"}}');
    expect(inspect({ password: secret })).toBe('{ password: SecretValue(env:TOKEN) }');
  });

  it('GIVEN malformed secret references WHEN created THEN they are refused with SYNTH_INVALID_SECRET', () => {
    const codes = [
      () => SecretValue.env('1BAD'),
      () => SecretValue.file(''),
      () => SecretValue.generated('../x'),
    ].map((make) => {
      try {
        make();
        return 'no error';
      } catch (e) {
        return (e as SynthError).code;
      }
    });
    expect(codes).toEqual(['SYNTH_INVALID_SECRET', 'SYNTH_INVALID_SECRET', 'SYNTH_INVALID_SECRET']);
  });
});
