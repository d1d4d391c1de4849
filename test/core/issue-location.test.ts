import { describe, expect, it } from 'vitest';
import { Customer } from '../../lib/constructs/index.ts';
import { Stack, VirtualEnvironmentUser } from '../../lib/index.ts';
import { synthIssues, testPlatform } from '../constructs/fixtures.ts';

/** The line of the caller of this function, as a stack trace gives it. */
function callerLine(): number {
  const frame = (new Error().stack ?? '').split('\n')[2] ?? '';
  return Number(/:(\d+):\d+\)?$/.exec(frame)?.[1]);
}

describe('where an issue was made', () => {
  it('GIVEN a mistake in a server of a Customer WHEN synthesized THEN the issue points at the `new Customer` line and names the Customer', () => {
    // GIVEN
    const { app, platform } = testPlatform();
    const line = callerLine() + 1;
    new Customer(platform, 'acme', { number: 1, servers: [{ name: 'acme-main', node: 'pve9' }], users: [] });
    // WHEN
    const [issue] = synthIssues(app);
    // THEN
    expect(issue).toMatchObject({
      path: 'acme',
      construct: 'Customer acme',
      code: 'SYNTH_UNKNOWN_NAME',
      location: { file: expect.stringMatching(/test\/core\/issue-location\.test\.ts$/), line },
    });
  });

  it('GIVEN a resource the user made in a plain stack WHEN its props fail THEN the issue names the resource and its own line', () => {
    const { app } = testPlatform();
    const stack = new Stack(app, 'extra');
    const line = callerLine() + 1;
    new VirtualEnvironmentUser(stack, 'Alice', { userId: 'alice' });
    const issues = synthIssues(app).filter((i) => i.path === 'extra/Alice');
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'SYNTH_INVALID_PROPS',
        construct: 'VirtualEnvironmentUser Alice',
        location: expect.objectContaining({ line }),
      }),
    ]);
  });
});
