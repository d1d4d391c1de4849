import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGuests, formatChecks } from '../../lib/cli/commands/doctor.ts';
import type { Plan } from '../../lib/contract/plan.ts';
import { SshGuestTransport } from '../../lib/engine/guest/ssh-guest-transport.ts';
import { StateStore } from '../../lib/engine/state-store.ts';
import type { PveApi } from '../../lib/pve/api/pve-api.ts';
import { freePort, type Sshd, skipWithoutSshd, startSshd } from '../ssh/sshd-fixture.ts';

/** A Proxmox API that knows no VM: creation times are then unknown, as on a VM without `meta`. */
const noApi = { qemuConfig: async () => ({}) } as unknown as PveApi;

describe.skipIf(skipWithoutSshd)('pvecdk doctor: every guest answers in its dialect', () => {
  let sshd: Sshd;
  let stateDir: string;

  beforeAll(async () => {
    sshd = await startSshd();
    stateDir = mkdtempSync(join(tmpdir(), 'pvecdk-state-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  function plan(closedPort: number): Plan {
    const target = (port: number, dialect: string) => ({
      vm_id: { ref: 'Vm', attr: 'vm_id' },
      node_name: 'pve1',
      host: '127.0.0.1',
      port,
      username: sshd.user,
      dialect,
      private_key: { secret: 'env:PVECDK_TEST_DOCTOR_KEY' },
    });
    return {
      version: 1,
      stack: 'lab',
      remote: 'default',
      dependsOn: [],
      outputs: {},
      resources: {
        Vm: { type: 'proxmox_virtual_environment_vm', path: 'lab/Vm', properties: {}, dependsOn: [] },
        Motd: {
          type: 'pvecdk_guest_file',
          path: 'lab/Motd',
          properties: { target: target(sshd.port, 'sh'), path: '/tmp/x', content: '' },
          dependsOn: ['Vm'],
        },
        Issue: {
          type: 'pvecdk_guest_file',
          path: 'lab/Issue',
          properties: { target: target(sshd.port, 'sh'), path: '/tmp/y', content: '' },
          dependsOn: ['Vm'],
        },
        Down: {
          type: 'pvecdk_guest_command',
          path: 'lab/Down',
          properties: { target: { ...target(closedPort, 'sh'), vm_id: 77 }, command: 'true' },
          dependsOn: [],
        },
      },
    } as unknown as Plan;
  }

  it('GIVEN a reachable guest, an unreachable one and one whose VM is not deployed WHEN checked THEN one line each, the reachable one answers uname, the other says what to do', async () => {
    process.env.PVECDK_TEST_DOCTOR_KEY = sshd.client.privateKey;
    const closedPort = await freePort();
    const transport = new SshGuestTransport({
      secrets: { resolve: (ref) => process.env[ref.slice('env:'.length)]! },
      waitMs: 200,
      retryBaseMs: 50,
      retryMaxMs: 100,
    });
    const state = StateStore.open(stateDir, 'default', 'lab');
    const states = new Map([['lab', state]]);
    try {
      // Not deployed: the VM's id is a reference state cannot resolve yet.
      const before = await checkGuests([plan(closedPort)], states, transport, noApi);
      expect(before.map((c) => c.status).sort()).toEqual(['failed', 'not deployed']);

      await state.put('Vm', {
        type: 'proxmox_virtual_environment_vm',
        path: 'lab/Vm',
        attributes: { vm_id: 4400, node_name: 'pve1' },
        properties: {},
        dependsOn: [],
      });
      const checks = await checkGuests([plan(closedPort)], states, transport, noApi);
      // The two resources on one guest are one check.
      expect(checks).toHaveLength(2);
      const ok = checks.find((c) => c.status === 'ok')!;
      expect(ok).toMatchObject({ vm: 'VM 4400 on pve1', dialect: 'sh', paths: ['lab/Motd', 'lab/Issue'] });
      expect(ok.detail).toMatch(/^uname: Linux /);
      const failed = checks.find((c) => c.status === 'failed')!;
      expect(failed).toMatchObject({ vm: 'VM 77 on pve1', code: 'GUEST_UNREACHABLE' });
      expect(failed.hint).toBeDefined();
      const text = formatChecks(checks);
      expect(text).toContain(
        `ok     lab: VM 4400 on pve1 ${sshd.user}@127.0.0.1:${sshd.port} (sh): uname: Linux`,
      );
      expect(text).toContain('FAILED lab: VM 77 on pve1');
      expect(text).toContain('what to do: ');
      expect(text).toContain('1 of 2 guests failed the check');
      // Doctor writes nothing: the host key it saw is not recorded.
      expect(StateStore.open(stateDir, 'default', 'lab').state.guestHostKeys).toBeUndefined();
    } finally {
      await transport.close();
      delete process.env.PVECDK_TEST_DOCTOR_KEY;
    }
  });
});
