import { describe, expect, it } from 'vitest';
import { maskSecrets, outputTail, SshError } from '../../lib/ssh/index.ts';

describe('SSH error text', () => {
  it('GIVEN long output WHEN its tail is taken THEN only the last 12 lines remain, long lines cut', () => {
    const out = `${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')}\n${'x'.repeat(400)}\n\n`;
    const tail = outputTail(out);
    expect(tail).toHaveLength(12);
    expect(tail[0]).toBe('line 19');
    expect(tail[11]).toBe(`${'x'.repeat(300)}…`);
    expect(outputTail('  \n')).toEqual([]);
  });

  it('GIVEN secrets, short and multi-line WHEN masked THEN every occurrence and every line of them is replaced', () => {
    const pem = '-----BEGIN KEY-----\nAAAAsecretbody\n-----END KEY-----\n';
    const text = 'pw=abc; key line AAAAsecretbody; again abc';
    expect(maskSecrets(text, ['abc', pem])).toBe('pw=***; key line ***; again ***');
    expect(outputTail(`ok\nfailed for ${pem}`, [pem])).toEqual(['ok', 'failed for ***']);
  });

  it('GIVEN details WHEN an SshError is built THEN the message names target, label, reason and stderr, and the hint is a field of its own', () => {
    const e = new SshError('SSH_COMMAND_FAILED', 'exited with code 2', {
      target: 'admin@10.0.0.1:22',
      label: 'reload filter',
      exitCode: 2,
      stderrTail: ['boom'],
      hint: 'look at the guest',
    });
    expect(e.message).toBe(
      'ssh admin@10.0.0.1:22: reload filter: exited with code 2\n  stderr (last lines):\n    boom',
    );
    expect(e).toMatchObject({
      code: 'SSH_COMMAND_FAILED',
      hint: 'look at the guest',
      exitCode: 2,
      label: 'reload filter',
      name: 'SshError',
    });
  });
});
