import { afterEach, describe, expect, it } from 'vitest';
import { firewallOptionsHandler, firewallRulesHandler } from '../../lib/engine/handlers/firewall-handlers.ts';
import type { HandlerContext } from '../../lib/engine/handlers/handler.ts';
import { PveApi } from '../../lib/pve/index.ts';
import { type RunningEmulator, startTestEmulator } from '../../lib/sim/index.ts';
import { applied, desired } from './handler-fixture.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function setup(): Promise<{ server: RunningEmulator; ctx: HandlerContext }> {
  const emulator = await startTestEmulator({});
  running.push(emulator);
  const { server, client } = emulator;
  return { server, ctx: { api: new PveApi(client, { pollMs: 2 }), inventory: [], stack: 'acme' } };
}

const rules = (dport = '19812:19815') =>
  desired(firewallRulesHandler, 'acme/acme-main/FirewallRules', {
    node_name: 'pve1',
    vm_id: 9002,
    rule: [
      { type: 'in', action: 'ACCEPT', proto: 'tcp', source: '10.30.0.10', dport, comment: '4D from RDS' },
      { type: 'in', action: 'ACCEPT', proto: 'tcp', source: '10.20.0.2', dport: '22', comment: 'management' },
    ],
  });

describe('firewall handlers against the emulator', () => {
  it('GIVEN VM rules WHEN applied THEN they land in order and a re-plan is a no-op; a changed port rewrites the list', async () => {
    const { server, ctx } = await setup();
    const first = firewallRulesHandler.diff(rules(), await firewallRulesHandler.read(ctx, rules()));
    expect(first.action).toBe('update');
    await firewallRulesHandler.apply(ctx, rules(), first, undefined);
    expect(server.emulator.state.firewall?.['vm/9002']?.rules.map((r) => r.source)).toEqual([
      '10.30.0.10',
      '10.20.0.2',
    ]);
    expect(firewallRulesHandler.diff(rules(), await firewallRulesHandler.read(ctx, rules())).action).toBe(
      'no-op',
    );
    const changed = firewallRulesHandler.diff(
      rules('19813'),
      await firewallRulesHandler.read(ctx, rules('19813')),
    );
    expect(changed.changes.map((c) => c.key)).toEqual(['rule[0]']);
    await firewallRulesHandler.apply(ctx, rules('19813'), changed, undefined);
    expect(server.emulator.state.firewall?.['vm/9002']?.rules[0]?.dport).toBe('19813');
    await firewallRulesHandler.delete(
      ctx,
      applied(firewallRulesHandler, 'test/Resource', { level: 'vm', node: 'pve1', vmid: 9002 }),
    );
    expect(server.emulator.state.firewall?.['vm/9002']?.rules).toEqual([]);
  });

  it('GIVEN VM firewall options WHEN applied THEN enable and policies are set and a re-plan is a no-op', async () => {
    const { server, ctx } = await setup();
    const options = desired(firewallOptionsHandler, 'acme/acme-main/FirewallOptions', {
      node_name: 'pve1',
      vm_id: 9002,
      enabled: true,
      input_policy: 'DROP',
      output_policy: 'ACCEPT',
      macfilter: true,
    });
    const change = firewallOptionsHandler.diff(options, await firewallOptionsHandler.read(ctx, options));
    expect(change.changes.map((c) => [c.key, c.api]).sort()).toEqual([
      ['enabled', 'enable'],
      ['input_policy', 'policy_in'],
      ['macfilter', undefined],
      ['output_policy', 'policy_out'],
    ]);
    await firewallOptionsHandler.apply(ctx, options, change, undefined);
    expect(server.emulator.state.firewall?.['vm/9002']?.options).toMatchObject({
      enable: 1,
      policy_in: 'DROP',
    });
    expect(firewallOptionsHandler.diff(options, await firewallOptionsHandler.read(ctx, options)).action).toBe(
      'no-op',
    );
  });
});
