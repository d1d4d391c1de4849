import { describe, expect, it } from 'vitest';
import { stagedInterfaces } from '../../lib/engine/proxmox/staged-network.ts';
import { emulatorWithCaller } from './emulator-call.ts';

/** GET /nodes/pve1/network with the whole envelope, as a client reads it. */
function listNetwork(e: ReturnType<typeof emulatorWithCaller>) {
  const auth = `PVEAPIToken=root@pam!pvecdk=${e.state.tokens['root@pam!pvecdk']!.secret}`;
  const res = e.emulator.handle({
    method: 'GET',
    url: '/api2/json/nodes/pve1/network',
    headers: { authorization: auth },
    body: '',
  });
  return JSON.parse(res.body) as { data: Array<Record<string, unknown>>; changes?: string };
}

describe('a node network with staged edits', () => {
  it('GIVEN a bridge edit staged and not applied WHEN the network is listed THEN the list shows it as it will be and `changes` holds the diff of interfaces.new; once applied, no `changes`', async () => {
    const e = emulatorWithCaller();
    expect(listNetwork(e).changes).toBeUndefined();
    e.call('POST', '/nodes/pve1/network', { iface: 'vmbr7', type: 'bridge', comments: 'lab', autostart: 1 });
    const staged = listNetwork(e);
    expect(staged.data.find((i) => i.iface === 'vmbr7')).toMatchObject({ comments: 'lab' });
    expect(staged.changes).toMatch(
      /^--- \/etc\/network\/interfaces\n\+\+\+ \/etc\/network\/interfaces.new\n@@ /,
    );
    expect(staged.changes).toContain('+iface vmbr7 inet manual');
    expect(staged.changes).toContain('+#lab');
    // What the engine reads from it: the interface the edits touch.
    expect(stagedInterfaces(staged.changes!)).toEqual(new Set(['vmbr7']));

    e.call('PUT', '/nodes/pve1/network');
    await e.settle();
    expect(listNetwork(e).changes).toBeUndefined();
  });

  it('GIVEN diffs whose changed lines sit under their stanza, or below a hunk start without one WHEN read THEN the touched interfaces are named, or all of them count', () => {
    const placed = [
      '--- /etc/network/interfaces',
      '+++ /etc/network/interfaces.new',
      '@@ -10,6 +10,6 @@',
      ' auto vmbr1',
      ' iface vmbr1 inet manual',
      '-#pvecdk lan',
      '+#pvecdk lan (customers)',
      ' ',
      ' auto vmbr2',
      '@@ -30,3 +30,4 @@',
      ' iface vmbr3 inet manual',
      '+\tmtu 9000',
      '',
    ].join('\n');
    expect(stagedInterfaces(placed)).toEqual(new Set(['vmbr1', 'vmbr3']));
    const unplaced = ['@@ -40,4 +40,4 @@', ' \tbridge-stp off', '-\tbridge-fd 0', '+\tbridge-fd 2', ''].join(
      '\n',
    );
    expect(stagedInterfaces(unplaced)).toBe('all');
  });
});
