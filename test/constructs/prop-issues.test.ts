import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkProps } from '../../lib/constructs/private/errors.ts';
import { closestKey } from '../../lib/core/private/closest-name.ts';
import { SecretValue } from '../../lib/core/secret.ts';

const Schema = z.strictObject({
  name: z.string().regex(/^[a-z]+$/, 'lower-case letters'),
  memoryMiB: z.number().int().min(1024).optional(),
  password: z.string().min(12).optional(),
  key: z.string().min(1000).optional(),
  servers: z.array(z.strictObject({ name: z.string(), cores: z.number().optional() })).optional(),
  backup: z.union([z.literal(false), z.strictObject({ keepDaily: z.number() })]).optional(),
});

const issuesOf = (props: unknown) => {
  const result = checkProps(Schema, props);
  return result.ok ? [] : result.issues;
};

describe('construct props issues', () => {
  it('GIVEN a misspelt key WHEN checked THEN the closest known key is suggested, case slips counting half', () => {
    expect(issuesOf({ name: 'a', memoryMib: 2048 })).toEqual([
      {
        field: 'memoryMib',
        message: 'memoryMib: no such prop; did you mean memoryMiB?',
        hint: 'write memoryMiB',
      },
    ]);
    expect(issuesOf({ name: 'a', servers: [{ name: 'x', coers: 2 }] })[0]).toMatchObject({
      message: 'servers[0].coers: no such prop; did you mean cores?',
    });
  });

  it('GIVEN a key close to nothing WHEN checked THEN the known keys are listed instead', () => {
    expect(issuesOf({ name: 'a', colour: 'red' })[0]!.message).toBe(
      'colour: no such prop (known: backup, key, memoryMiB, name, password, servers)',
    );
  });

  it('GIVEN wrong values WHEN checked THEN each is shown as written, long ones cut', () => {
    const messages = issuesOf({ name: `Acme${'x'.repeat(100)}`, memoryMiB: 512 }).map((i) => i.message);
    expect(messages[0]).toMatch(/^name = 'Acmex{56}…': lower-case letters$/);
    expect(messages[1]).toMatch(/^memoryMiB = 512: /);
  });

  it('GIVEN a wrong value in a field that may hold a secret WHEN checked THEN the value is never shown', () => {
    const messages = issuesOf({
      name: 'a',
      password: 'hunter2',
      key: 'ssh-ed25519 AAAAC3',
      servers: [{ name: SecretValue.env('SERVER_NAME') }],
    }).map((i) => i.message);
    expect(messages).toHaveLength(3);
    expect(messages.join('\n')).not.toMatch(/hunter2|AAAAC3|SERVER_NAME/);
    expect(messages[0]).toMatch(/^password: /);
  });

  it('GIVEN names near and far WHEN the closest is asked THEN only a slip is matched', () => {
    expect(closestKey('PVECDK-NO-WAN-RPD', ['PVECDK-NO-WAN-RDP', 'PVECDK-RDS-VIA-VPN'])).toBe(
      'PVECDK-NO-WAN-RDP',
    );
    expect(closestKey('acme-mian', ['acme-main', 'globex-main'])).toBe('acme-main');
    expect(closestKey('cpus', ['cores', 'memoryMiB'])).toBeUndefined();
    expect(closestKey('x', [])).toBeUndefined();
  });
});
