import { randomUUID } from 'node:crypto';
import type { EmulatorNode, EmulatorState, EmulatorVm } from './state.ts';

export interface SeedOptions {
  readonly nodes?: number;
  readonly clusterName?: string;
}

/** Template VM ids matching stacks/platform.ts. */
export const SEED_TEMPLATES = { pfsense: 9000, windowsServer: 9001, debian: 9002 } as const;

function template(vmid: number, name: string, config: Record<string, string | number>): EmulatorVm {
  return {
    vmid,
    node: 'pve1',
    status: 'stopped',
    snapshots: {},
    config: { name, template: 1, ...config },
  };
}

/**
 * A small real-looking cluster: N nodes with CPU and memory, local, local-lvm,
 * an NFS share and a Ceph RBD pool, vmbr0 on eno1 on every node, the three
 * templates on pve1, and a full-privilege `root@pam!pvecdk` token.
 */
export function seedState(options: SeedOptions = {}): EmulatorState {
  const count = options.nodes ?? 3;
  const nodes: Record<string, EmulatorNode> = {};
  for (let i = 1; i <= count; i++) {
    const name = `pve${i}`;
    nodes[name] = {
      name,
      maxcpu: 32,
      maxmem: 137_438_953_472,
      network: {
        eno1: { iface: 'eno1', type: 'eth', active: 1, autostart: 1 },
        eno2: { iface: 'eno2', type: 'eth', active: 1 },
        vmbr0: {
          iface: 'vmbr0',
          type: 'bridge',
          active: 1,
          autostart: 1,
          bridge_ports: 'eno1',
          cidr: `192.0.2.${10 + i}/24`,
          gateway: '192.0.2.1',
        },
      },
    };
  }
  return {
    version: 1,
    clusterName: options.clusterName ?? 'lab',
    nodes,
    storages: {
      local: { storage: 'local', type: 'dir', shared: 0, content: 'iso,vztmpl,backup,snippets' },
      'local-lvm': { storage: 'local-lvm', type: 'lvmthin', shared: 0, content: 'images,rootdir' },
      'nfs-backup': { storage: 'nfs-backup', type: 'nfs', shared: 1, content: 'backup' },
      'ceph-vm': { storage: 'ceph-vm', type: 'rbd', shared: 1, content: 'images,rootdir' },
    },
    vms: {
      [SEED_TEMPLATES.pfsense]: template(SEED_TEMPLATES.pfsense, 'tpl-pfsense-2-7', {
        ostype: 'other',
        cores: 2,
        memory: '2048',
        scsi0: 'local-lvm:base-9000-disk-0,size=16G',
        net0: 'virtio=BC:24:11:90:00:00,bridge=vmbr0',
      }),
      [SEED_TEMPLATES.windowsServer]: template(SEED_TEMPLATES.windowsServer, 'tpl-windows-2022', {
        ostype: 'win11',
        cores: 4,
        memory: '8192',
        scsi0: 'local-lvm:base-9001-disk-0,size=60G',
        agent: '1',
        ide2: 'local-lvm:vm-9001-cloudinit,media=cdrom',
      }),
      [SEED_TEMPLATES.debian]: template(SEED_TEMPLATES.debian, 'tpl-debian-12', {
        ostype: 'l26',
        cores: 2,
        memory: '2048',
        scsi0: 'local-lvm:base-9002-disk-0,size=8G',
        agent: '1',
        ide2: 'local-lvm:vm-9002-cloudinit,media=cdrom',
        serial0: 'socket',
      }),
    },
    pools: {},
    users: { 'root@pam': { enable: 1, password: randomUUID() } },
    tokens: { 'root@pam!pvecdk': { secret: randomUUID(), privsep: 0, comment: 'pvecdk emulator' } },
    acl: [],
    roles: {},
    groups: {},
  };
}
