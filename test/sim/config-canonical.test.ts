import { describe, expect, it } from 'vitest';
import { emulatorWithCaller } from './emulator-call.ts';

describe('VM config as qemu-server writes it', () => {
  it('GIVEN a running VM WHEN a PUT sets values equal to the current ones THEN no pending entry remains (cleanup_pending)', async () => {
    const { call, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu/9002/clone', { newid: 140 });
    await settle();
    call('POST', '/nodes/pve1/qemu/140/status/start');
    await settle();
    const current = call('GET', '/nodes/pve1/qemu/140/config') as Record<string, string | number>;
    // The seed keeps memory as text; a client sends the number.
    call('PUT', '/nodes/pve1/qemu/140/config', {
      memory: Number(current.memory),
      cores: Number(current.cores),
    });
    const pending = call('GET', '/nodes/pve1/qemu/140/pending') as Array<Record<string, unknown>>;
    expect(pending.filter((p) => 'pending' in p || 'delete' in p)).toEqual([]);
  });

  it('GIVEN a running VM WHEN a change is made and then undone THEN the pending entry goes away', async () => {
    const { call, settle, emulator } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu/9002/clone', { newid: 141 });
    await settle();
    call('POST', '/nodes/pve1/qemu/141/status/start');
    await settle();
    call('PUT', '/nodes/pve1/qemu/141/config', { memory: 4096 });
    expect(emulator.state.vms['141']!.pending).toEqual({ memory: '4096' });
    call('PUT', '/nodes/pve1/qemu/141/config', { memory: 2048 });
    expect(emulator.state.vms['141']!.pending).toBeUndefined();
  });

  it("GIVEN drive and NIC options in the client's order WHEN set THEN the config prints them as Proxmox does: default key first, the rest sorted", async () => {
    const { call, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu/9002/clone', { newid: 142 });
    await settle();
    call('PUT', '/nodes/pve1/qemu/142/config', {
      net1: 'virtio=BC:24:11:00:01:42,tag=20,firewall=1,bridge=vmbr0',
      scsi1: 'local-lvm:4,ssd=1,iothread=1,discard=on',
    });
    const config = call('GET', '/nodes/pve1/qemu/142/config') as Record<string, string>;
    expect(config.net1).toBe('virtio=BC:24:11:00:01:42,bridge=vmbr0,firewall=1,tag=20');
    expect(config.scsi1).toMatch(/^local-lvm:vm-142-disk-\d+,discard=on,iothread=1,size=4G,ssd=1$/);
  });
});
