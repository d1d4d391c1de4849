import { describe, expect, it } from 'vitest';
import { describeTarget, isSshError, parseSshTarget, type SshTargetInput } from '../../lib/ssh/index.ts';

const PIN = `SHA256:${'A'.repeat(43)}`;

function invalid(input: unknown): string {
  try {
    parseSshTarget(input as SshTargetInput);
  } catch (e) {
    if (isSshError(e, 'SSH_TARGET_INVALID')) return e.message;
    throw e;
  }
  throw new Error('expected SSH_TARGET_INVALID');
}

describe('SSH target schema', () => {
  it('GIVEN host, user, key and pin WHEN parsed THEN the port defaults to 22', () => {
    const t = parseSshTarget({
      host: '10.0.0.5',
      username: 'admin',
      auth: { privateKey: 'KEY' },
      hostKey: PIN,
    });
    expect(t.port).toBe(22);
    expect(describeTarget(t)).toBe('admin@10.0.0.5:22');
  });

  it('GIVEN a jump host WHEN parsed and described THEN both hops are validated and named', () => {
    const t = parseSshTarget({
      host: 'fe80::1',
      port: 2222,
      username: 'root',
      auth: { password: 'pw' },
      hostKey: [PIN],
      jump: { host: 'jump.example', username: 'ops', auth: { agent: '/run/agent.sock' }, hostKey: PIN },
    });
    expect(describeTarget(t)).toBe('root@[fe80::1]:2222 via ops@jump.example:22');
    expect(invalid({ ...t, jump: { host: 'j', username: 'ops', auth: {} } })).toMatch(
      /jump\.auth: give at least one of privateKey, password or agent\n\s+jump\.hostKey: pin/,
    );
  });

  it('GIVEN neither a pin nor a trust-on-first-use callback WHEN parsed THEN the error says how to pin the key', () => {
    expect(invalid({ host: 'h', username: 'u', auth: { password: 'pw' } })).toContain(
      "hostKey: pin the guest's host key",
    );
    const tofu = parseSshTarget({
      host: 'h',
      username: 'u',
      auth: { password: 'pw' },
      acceptNewHostKey: (k) => k.fingerprint,
    });
    expect(typeof tofu.acceptNewHostKey).toBe('function');
  });

  it('GIVEN a malformed fingerprint WHEN parsed THEN the format OpenSSH prints is asked for', () => {
    expect(invalid({ host: 'h', username: 'u', auth: { password: 'pw' }, hostKey: 'MD5:aa:bb' })).toContain(
      'hostKey: expected a SHA-256 fingerprint as OpenSSH prints it',
    );
  });

  it('GIVEN invalid fields next to secrets WHEN parsed THEN the error names fields, never the secret values', () => {
    const message = invalid({
      host: 'h',
      port: 0,
      username: 'u',
      auth: { password: 'Hunter2-Secret', privateKey: 42, token: 'Tok3n-Secret' },
      hostKey: PIN,
    });
    expect(message).toContain('port:');
    expect(message).toContain('auth.privateKey: expected the value itself');
    expect(message).toContain('auth: unknown field(s) token');
    expect(message).not.toMatch(/Hunter2|Tok3n|42/);
  });
});
