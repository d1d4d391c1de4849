import { describe, expect, it } from 'vitest';
import { propertyLines, showValue } from '../../../lib/cli/output/property-lines.ts';
import { userTokenType } from '../../../lib/contract/types/access.ts';
import { pfsenseConfigType } from '../../../lib/contract/types/guest.ts';
import { vmType } from '../../../lib/contract/types/vm.ts';
import type { PropertyChange } from '../../../lib/engine/handlers/handler.ts';

const change = (key: string, from: unknown, to: unknown, api?: string): PropertyChange => ({
  key,
  ...(api ? { api } : {}),
  from,
  to,
  forcesReplacement: false,
});

describe('a property change as a diff shows it', () => {
  it('GIVEN changes named by plan path WHEN shown THEN the stack file’s name comes first with the Proxmox key beside where it differs', () => {
    expect(propertyLines(change('memory.dedicated', 4096, 8192, 'memory'), vmType.plan, false)).toEqual([
      'memory.dedicated (Proxmox: memory): 4096 → 8192',
    ]);
    expect(propertyLines(change('on_boot', false, true, 'onboot'), vmType.plan, false)).toEqual([
      'onBoot (Proxmox: onboot): false → true',
    ]);
    expect(
      propertyLines(
        change('network_device[0]', undefined, 'virtio,bridge=vmbr1', 'net0'),
        vmType.plan,
        false,
      ),
    ).toEqual(['networkDevice[0] (Proxmox: net0): (unset) → "virtio,bridge=vmbr1"']);
    expect(propertyLines(change('cpu.cores', undefined, 4, 'cores'), vmType.plan, true)).toEqual([
      'cpu.cores (Proxmox: cores): 4',
    ]);
  });

  it('GIVEN secrets and sensitive names WHEN shown THEN no value appears in clear, under the plan name or the Proxmox key, while names of things and of secrets show', () => {
    expect(showValue('password', { secret: 'env:ACME_PW' })).toBe('(secret env:ACME_PW)');
    expect(showValue('cipassword', 'hunter2')).toBe('(sensitive)');
    expect(showValue('memory', 4096)).toBe('4096');
    expect(showValue('description', undefined)).toBe('(unset)');
    expect(
      propertyLines(
        change('initialization.user_account.password', null, '(set)', 'cipassword'),
        vmType.plan,
        false,
      ),
    ).toEqual(['initialization.userAccount.password (Proxmox: cipassword): (unset) → (sensitive)']);
    expect(propertyLines(change('password_hint', 'a', 'hunter2', 'comment'), undefined, false)).toEqual([
      'password_hint (Proxmox: comment): (sensitive) → (sensitive)',
    ]);
    expect(propertyLines(change('token_name', undefined, 'ci', 'tokenid'), userTokenType.plan, true)).toEqual(
      ['tokenName (Proxmox: tokenid): "ci"'],
    );
    expect(
      propertyLines(change('private_key', undefined, { secret: 'generated:ssh/key' }), undefined, true),
    ).toEqual(['private_key: (secret generated:ssh/key)']);
    expect(
      propertyLines(
        change('secrets', ['generated:vpn/ca.key'], ['generated:vpn/ca.key', 'env:X']),
        pfsenseConfigType.plan,
        false,
      ),
    ).toEqual(['secrets: ["generated:vpn/ca.key"] → ["generated:vpn/ca.key", "env:X"]']);
    expect(propertyLines(change('token', undefined, 'abc\ndef'), undefined, true)).toEqual([
      'token: (sensitive)',
    ]);
  });

  it('GIVEN a value known only after apply WHEN shown THEN it names the reference', () => {
    expect(
      propertyLines(
        change('pool_id', undefined, { ref: 'acme:Pool', attr: 'pool_id' }, 'pool'),
        vmType.plan,
        true,
      ),
    ).toEqual(['poolId (Proxmox: pool): (known after apply: acme:Pool.pool_id)']);
  });

  it('GIVEN multi-line text WHEN listed THEN its lines show under the name; WHEN changed THEN only changed lines with context', () => {
    expect(
      propertyLines(
        change('sections.filter', undefined, '<filter>\n  <rule/>\n</filter>'),
        pfsenseConfigType.plan,
        true,
      ),
    ).toEqual(['sections.filter: |', '  <filter>', '    <rule/>', '  </filter>']);
    const before = '<filter>\n  <rule>ssh</rule>\n</filter>';
    const after = '<filter>\n  <rule>ssh</rule>\n  <rule>rdp</rule>\n</filter>';
    expect(propertyLines(change('sections.filter', before, after), pfsenseConfigType.plan, false)).toEqual([
      'sections.filter: text changed',
      '    <filter>',
      '      <rule>ssh</rule>',
      '  +   <rule>rdp</rule>',
      '    </filter>',
    ]);
  });
});
