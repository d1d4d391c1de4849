import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { Customer } from '../../lib/constructs/index.ts';
import { inConstruct } from '../../lib/constructs/private/errors.ts';
import { parseCidr } from '../../lib/constructs/private/identity/ipv4.ts';
import { ConstructError, SynthError } from '../../lib/core/errors.ts';
import { psQuote } from '../../lib/render/powershell.ts';
import { synthIssues, testPlatform } from './fixtures.ts';

/** What `run` throws, or undefined. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('construct errors', () => {
  const { platform } = testPlatform();
  const scope = new Construct(platform, 'Scope');

  it('GIVEN an unscoped synthesis error from a helper WHEN run in a construct THEN it is rethrown with the construct path, its code, hint and cause', () => {
    const e = thrown(() => inConstruct(scope, () => parseCidr('10.20.1.0/16')));
    expect(e).toBeInstanceOf(ConstructError);
    expect(e).toMatchObject({
      code: 'SYNTH_INVALID_ADDRESS',
      constructPath: 'platform/Scope',
      message: "platform/Scope: '10.20.1.0/16' has host bits set; the network is 10.20.0.0/16",
      hint: 'write the network address, 10.20.0.0/16',
    });
    expect((e as Error).cause).toBeInstanceOf(SynthError);
  });

  it('GIVEN a renderer refusing a value WHEN run in a construct THEN it becomes SYNTH_INVALID_PROPS with the path, the renderer code kept in the cause', () => {
    const e = thrown(() => inConstruct(scope, () => psQuote('a\nb')));
    expect(e).toMatchObject({ code: 'SYNTH_INVALID_PROPS', constructPath: 'platform/Scope' });
    expect((e as Error).cause).toMatchObject({ code: 'RENDER_INVALID_INPUT' });
  });

  it('GIVEN an error already scoped, or one without a code WHEN run in a construct THEN it goes through unchanged', () => {
    const scoped = new ConstructError('other/Path', 'SYNTH_CONFLICT', 'taken');
    expect(
      thrown(() =>
        inConstruct(scope, () => {
          throw scoped;
        }),
      ),
    ).toBe(scoped);
    const plain = new TypeError('a bug');
    expect(
      thrown(() =>
        inConstruct(scope, () => {
          throw plain;
        }),
      ),
    ).toBe(plain);
  });

  it('GIVEN a customer number beyond the VM id blocks WHEN synthesized THEN SYNTH_OUT_OF_RANGE names the customer, once', () => {
    // GIVEN
    const { app, platform: other } = testPlatform();
    new Customer(other, 'acme', { number: 9001, servers: [{ name: 'acme-main' }], users: [] });
    // WHEN / THEN
    expect(synthIssues(app)).toEqual([
      expect.objectContaining({
        code: 'SYNTH_OUT_OF_RANGE',
        path: 'acme',
        construct: 'Customer acme',
        message: 'customer number 9001 is outside 1..9000 (the cluster has 9000 customer VM id blocks)',
      }),
    ]);
  });

  it('GIVEN a server on a node the cluster lacks WHEN synthesized THEN SYNTH_UNKNOWN_NAME names the Customer, the server entry and the nodes', () => {
    const { app, platform: other } = testPlatform();
    new Customer(other, 'acme', { number: 1, servers: [{ name: 'acme-main', node: 'pve9' }], users: [] });
    expect(synthIssues(app)).toEqual([
      expect.objectContaining({
        code: 'SYNTH_UNKNOWN_NAME',
        path: 'acme',
        construct: 'Customer acme',
        message: "servers[0] (acme-main): node: 'pve9' is not one of the cluster's nodes (pve1, pve2)",
      }),
    ]);
  });
});
