import type { EmulatorVm } from '../state.ts';

/**
 * What a running VM takes at once and what waits in [PENDING] until the next
 * cold start or API reboot (qemu-server 8 `vmconfig_hotplug_pending`): the
 * "fast plug" options and cloud-init settings always apply; NICs, disks,
 * vCPUs and memory follow the VM's current `hotplug` features; the rest
 * (cores, CPU type, machine, BIOS, OS type, boot order, IDE/SATA drives,
 * EFI vars, TPM state...) waits, silently, as in Proxmox.
 */

const FAST_PLUG = new Set([
  'description',
  'hookscript',
  'lock',
  'migrate_downtime',
  'migrate_speed',
  'name',
  'onboot',
  'protection',
  'shares',
  'startup',
  'tags',
  'vmstatestorage',
  // qemu-server's cloud-init options are fast plug too.
  'cicustom',
  'cipassword',
  'citype',
  'ciupgrade',
  'ciuser',
  'nameserver',
  'searchdomain',
  'sshkeys',
]);

/** Throttling options a running disk takes at once; any other change of an attached disk waits. */
const THROTTLE = /^(iops|mbps|bps)(_rd|_wr)?(_max|_max_length)?$|^iops_max$/;

/** The hotplug features in effect (the default is network,disk,usb; `1` is all, `0` none). */
function features(vm: EmulatorVm): Set<string> {
  const value = String(vm.config.hotplug ?? 'network,disk,usb');
  if (value === '1') return new Set(['network', 'disk', 'cpu', 'memory', 'usb', 'cloudinit']);
  if (value === '0') return new Set();
  return new Set(value.split(','));
}

function driveOptions(value: string): Map<string, string> {
  const [file, ...opts] = value.split(',');
  const map = new Map<string, string>([['file', file ?? '']]);
  for (const o of opts) {
    const eq = o.indexOf('=');
    map.set(eq < 0 ? o : o.slice(0, eq), eq < 0 ? '1' : o.slice(eq + 1));
  }
  return map;
}

/** Whether an attached disk's change can be made live: same volume, only throttling differs. */
function liveDiskChange(old: string, value: string): boolean {
  const a = driveOptions(old);
  const b = driveOptions(value);
  if (a.get('file') !== b.get('file')) return false;
  for (const key of new Set([...a.keys(), ...b.keys()]))
    if (key !== 'size' && !THROTTLE.test(key) && a.get(key) !== b.get(key)) return false;
  return true;
}

/** Whether setting `key` to `value` on the running VM applies at once. */
export function takesAtOnce(vm: EmulatorVm, key: string, value: string | number): boolean {
  if (FAST_PLUG.has(key) || /^ipconfig\d+$/.test(key)) return true;
  const hotplug = features(vm);
  if (/^net\d+$/.test(key)) return hotplug.has('network');
  if (/^(scsi|virtio)\d+$/.test(key)) {
    // A cloud-init drive is made after everything else, at the next start.
    if (!hotplug.has('disk') || String(value).includes('cloudinit')) return false;
    const old = vm.config[key];
    return old === undefined || liveDiskChange(String(old), String(value));
  }
  if (key === 'vcpus') return hotplug.has('cpu');
  if (key === 'memory') return hotplug.has('memory');
  if (key === 'cpulimit' || key === 'cpuunits') return true;
  if (key === 'balloon') {
    // Turning the balloon device on or off is not hotpluggable.
    const was = vm.config.balloon === undefined || Number(vm.config.balloon) !== 0;
    return was === (Number(value) !== 0);
  }
  if (key === 'hotplug') {
    const next = String(value);
    const current = String(vm.config.hotplug ?? '');
    return !/memory|cpu/.test(next) && !/memory|cpu/.test(current);
  }
  return false;
}

/** Whether deleting `key` from the running VM applies at once. */
export function deletesAtOnce(vm: EmulatorVm, key: string): boolean {
  if (FAST_PLUG.has(key) || /^ipconfig\d+$/.test(key) || /^unused\d+$/.test(key)) return true;
  const hotplug = features(vm);
  if (/^net\d+$/.test(key)) return hotplug.has('network');
  if (/^(scsi|virtio)\d+$/.test(key)) return hotplug.has('disk');
  if (key === 'vcpus') return hotplug.has('cpu');
  if (key === 'memory') return hotplug.has('memory');
  if (key === 'cpulimit' || key === 'cpuunits') return true;
  if (key === 'balloon') return !(vm.config.balloon !== undefined && Number(vm.config.balloon) === 0);
  if (key === 'hotplug') return !/memory|cpu/.test(String(vm.config.hotplug ?? ''));
  return false;
}
