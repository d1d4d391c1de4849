import { expect } from 'vitest';
import type { KeyProof, Props } from './coverage.ts';
import { MAIN, options, step } from './vm-live.ts';

/** The VM's nested blocks: disks, NICs, cloud-init, EFI vars and TPM state. */

const PASSWORD_ENV = 'PVECDK_KEYS_CI_PASSWORD';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEveryKeyEveryKeyEveryKeyEveryKeyEveryKeyEv ops@keys';

const dataDisk = (p: Props) => p.disk[0];
const speed = (p: Props) => {
  dataDisk(p).speed ??= {};
  return dataDisk(p).speed;
};
const nic = (p: Props) => p.network_device[0];
const ip = (p: Props) => p.initialization.ip_config[0];

/** A disk option step on the base data disk (scsi1). */
const diskOption = (set: (d: Props) => void, option: string, value: string) =>
  step(
    (p) => set(dataDisk(p)),
    (live) => expect(options(live, 'scsi1')[option]).toBe(value),
  );

/** A NIC option step on net0. */
const nicOption = (set: (n: Props) => void, option: string, value: string) =>
  step(
    (p) => set(nic(p)),
    (live) => expect(options(live, 'net0')[option]).toBe(value),
  );

const diskKeys: Record<string, KeyProof> = {
  'disk[].datastore_id': step(
    (p) => {
      p.disk.push({ interface: 'scsi2', datastore_id: 'ceph-vm', size: 1 });
    },
    (live) => expect(options(live, 'scsi2')).toMatchObject({ file: `ceph-vm:vm-${MAIN}-disk-0`, size: '1G' }),
  ),
  'disk[].size': step(
    (p) => {
      dataDisk(p).size = 3;
    },
    (live) => expect(options(live, 'scsi1').size).toBe('3G'),
  ),
  'disk[].file_format': step(
    (p) => {
      p.disk.push({ interface: 'scsi3', datastore_id: 'local', size: 1, file_format: 'qcow2' });
    },
    // A directory storage names the volume after its format; Proxmox keeps no `format` option.
    (live) =>
      expect(options(live, 'scsi3')).toEqual({ file: `local:${MAIN}/vm-${MAIN}-disk-0.qcow2`, size: '1G' }),
  ),
  'disk[].aio': diskOption((d) => (d.aio = 'threads'), 'aio', 'threads'),
  'disk[].cache': diskOption((d) => (d.cache = 'writeback'), 'cache', 'writeback'),
  'disk[].discard': diskOption((d) => (d.discard = 'on'), 'discard', 'on'),
  'disk[].iothread': diskOption((d) => (d.iothread = true), 'iothread', '1'),
  'disk[].ssd': diskOption((d) => (d.ssd = true), 'ssd', '1'),
  'disk[].backup': diskOption((d) => (d.backup = false), 'backup', '0'),
  'disk[].replicate': diskOption((d) => (d.replicate = false), 'replicate', '0'),
  'disk[].serial': diskOption((d) => (d.serial = 'KEYS-0001'), 'serial', 'KEYS-0001'),
  'disk[].speed.iops_read': step(
    (p) => {
      speed(p).iops_read = 100;
    },
    (live) => expect(options(live, 'scsi1').iops_rd).toBe('100'),
  ),
  'disk[].speed.iops_read_burstable': step(
    (p) => {
      speed(p).iops_read_burstable = 200;
    },
    (live) => expect(options(live, 'scsi1').iops_rd_max).toBe('200'),
  ),
  'disk[].speed.iops_write': step(
    (p) => {
      speed(p).iops_write = 50;
    },
    (live) => expect(options(live, 'scsi1').iops_wr).toBe('50'),
  ),
  'disk[].speed.iops_write_burstable': step(
    (p) => {
      speed(p).iops_write_burstable = 80;
    },
    (live) => expect(options(live, 'scsi1').iops_wr_max).toBe('80'),
  ),
  'disk[].speed.read': step(
    (p) => {
      speed(p).read = 10;
    },
    (live) => expect(options(live, 'scsi1').mbps_rd).toBe('10'),
  ),
  'disk[].speed.read_burstable': step(
    (p) => {
      speed(p).read_burstable = 20;
    },
    (live) => expect(options(live, 'scsi1').mbps_rd_max).toBe('20'),
  ),
  'disk[].speed.write': step(
    (p) => {
      speed(p).write = 5;
    },
    (live) => expect(options(live, 'scsi1').mbps_wr).toBe('5'),
  ),
  'disk[].speed.write_burstable': step(
    (p) => {
      speed(p).write_burstable = 8;
    },
    (live) => expect(options(live, 'scsi1').mbps_wr_max).toBe('8'),
  ),
};

const nicKeys: Record<string, KeyProof> = {
  'network_device[].bridge': nicOption((n) => (n.bridge = 'vmbr1'), 'bridge', 'vmbr1'),
  'network_device[].mac_address': nicOption(
    (n) => (n.mac_address = 'BC:24:11:AB:CD:EF'),
    'macaddr',
    'BC:24:11:AB:CD:EF',
  ),
  'network_device[].vlan_id': nicOption((n) => (n.vlan_id = 10), 'tag', '10'),
  'network_device[].trunks': nicOption((n) => (n.trunks = '20;30'), 'trunks', '20;30'),
  'network_device[].firewall': nicOption((n) => (n.firewall = true), 'firewall', '1'),
  'network_device[].mtu': nicOption((n) => (n.mtu = 1400), 'mtu', '1400'),
  'network_device[].queues': nicOption((n) => (n.queues = 4), 'queues', '4'),
  'network_device[].rate_limit': nicOption((n) => (n.rate_limit = 12.5), 'rate', '12.5'),
  'network_device[].disconnected': nicOption((n) => (n.disconnected = true), 'link_down', '1'),
  // Last of the NIC: MTU and queues are VirtIO's.
  'network_device[].model': step(
    (p) => {
      nic(p).model = 'e1000';
      delete nic(p).mtu;
      delete nic(p).queues;
    },
    (live) => expect(options(live, 'net0').model).toBe('e1000'),
  ),
};

const cloudInitKeys: Record<string, KeyProof> = {
  'initialization.ip_config[].ipv4.address': step(
    (p) => {
      ip(p).ipv4.address = '10.20.0.5/24';
    },
    (live) => expect(live.ipconfig0).toBe('ip=10.20.0.5/24'),
  ),
  'initialization.ip_config[].ipv4.gateway': step(
    (p) => {
      ip(p).ipv4.gateway = '10.20.0.1';
    },
    (live) => expect(options(live, 'ipconfig0')).toMatchObject({ gw: '10.20.0.1' }),
  ),
  'initialization.ip_config[].ipv6.address': step(
    (p) => {
      ip(p).ipv6 = { address: 'fd00:20::5/64' };
    },
    (live) => expect(options(live, 'ipconfig0')).toMatchObject({ ip6: 'fd00:20::5/64' }),
  ),
  'initialization.ip_config[].ipv6.gateway': step(
    (p) => {
      ip(p).ipv6.gateway = 'fd00:20::1';
    },
    (live) => expect(options(live, 'ipconfig0')).toMatchObject({ gw6: 'fd00:20::1' }),
  ),
  'initialization.dns.domain': step(
    (p) => {
      p.initialization.dns = { domain: 'keys.example' };
    },
    (live) => expect(live.searchdomain).toBe('keys.example'),
  ),
  'initialization.dns.servers': step(
    (p) => {
      p.initialization.dns.servers = ['10.20.0.53', '10.20.0.54'];
    },
    (live) => expect(live.nameserver).toBe('10.20.0.53 10.20.0.54'),
  ),
  'initialization.user_account.username': step(
    (p) => {
      p.initialization.user_account = { username: 'ops' };
    },
    (live) => expect(live.ciuser).toBe('ops'),
  ),
  'initialization.user_account.password': step(
    (p) => {
      process.env[PASSWORD_ENV] = 'cloud-init, every key';
      p.initialization.user_account.password = { secret: `env:${PASSWORD_ENV}` };
    },
    // Proxmox never shows it: only that one is set.
    (live) => expect(live.cipassword).toBe('**********'),
  ),
  'initialization.user_account.keys': step(
    (p) => {
      p.initialization.user_account.keys = [SSH_KEY];
    },
    (live) => expect(decodeURIComponent(String(live.sshkeys))).toBe(SSH_KEY),
  ),
  'initialization.type': step(
    (p) => {
      p.initialization.type = 'configdrive2';
    },
    (live) => expect(live.citype).toBe('configdrive2'),
  ),
  'initialization.user_data_file_id': step(
    (p) => {
      p.initialization.user_data_file_id = 'local:snippets/keys-user.yaml';
    },
    (live) => expect(live.cicustom).toBe('user=local:snippets/keys-user.yaml'),
  ),
  'initialization.vendor_data_file_id': step(
    (p) => {
      p.initialization.vendor_data_file_id = 'local:snippets/keys-vendor.yaml';
    },
    (live) => expect(options(live, 'cicustom')).toMatchObject({ vendor: 'local:snippets/keys-vendor.yaml' }),
  ),
  'initialization.meta_data_file_id': step(
    (p) => {
      p.initialization.meta_data_file_id = 'local:snippets/keys-meta.yaml';
    },
    (live) => expect(options(live, 'cicustom')).toMatchObject({ meta: 'local:snippets/keys-meta.yaml' }),
  ),
  'initialization.datastore_id': step(
    (p) => {
      p.initialization.datastore_id = 'ceph-vm';
    },
    // The drive is made again on the other storage, in place: cloud-init data is generated.
    (live) => expect(live.ide2).toBe(`ceph-vm:vm-${MAIN}-cloudinit,media=cdrom`),
  ),
};

/** The EFI vars and TPM state, on the UEFI VM: another type or storage makes Proxmox's volume anew. */
const uefiKeys: Record<string, KeyProof> = {
  'efi_disk.datastore_id': step(
    (p) => {
      p.efi_disk = { datastore_id: 'local-lvm' };
    },
    // Proxmox sizes the vars volume by its type; LVM allocates at least 4 MiB.
    (live) => expect(options(live, 'efidisk0')).toMatchObject({ efitype: '2m', size: '4M' }),
    { on: 'Uefi' },
  ),
  'efi_disk.type': step(
    (p) => {
      p.efi_disk.type = '4m';
    },
    (live) => expect(options(live, 'efidisk0')).toMatchObject({ efitype: '4m', size: '4M' }),
    { on: 'Uefi', action: 'replace' },
  ),
  'efi_disk.pre_enrolled_keys': step(
    (p) => {
      p.efi_disk.pre_enrolled_keys = true;
    },
    (live) => expect(options(live, 'efidisk0')).toMatchObject({ efitype: '4m', 'pre-enrolled-keys': '1' }),
    { on: 'Uefi', action: 'replace' },
  ),
  'efi_disk.file_format': step(
    (p) => {
      p.efi_disk.datastore_id = 'local';
      p.efi_disk.file_format = 'qcow2';
    },
    // On a directory storage the volume is a qcow2 file of the 4m vars' size.
    (live) =>
      expect(options(live, 'efidisk0')).toMatchObject({
        file: expect.stringMatching(/^local:2002\/vm-2002-disk-\d+\.qcow2$/),
        size: '528K',
      }),
    { on: 'Uefi', action: 'replace' },
  ),
  'tpm_state.datastore_id': step(
    (p) => {
      p.tpm_state = { datastore_id: 'local-lvm' };
    },
    (live) => expect(options(live, 'tpmstate0')).toMatchObject({ version: 'v2.0', size: '4M' }),
    { on: 'Uefi' },
  ),
  'tpm_state.version': step(
    (p) => {
      p.tpm_state.version = 'v1.2';
    },
    (live) => expect(options(live, 'tpmstate0')).toMatchObject({ version: 'v1.2', size: '4M' }),
    { on: 'Uefi', action: 'replace' },
  ),
};

export const vmBlockKeys: Record<string, KeyProof> = {
  ...diskKeys,
  ...nicKeys,
  ...cloudInitKeys,
  ...uefiKeys,
};
