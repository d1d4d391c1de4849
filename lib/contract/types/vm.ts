import { z } from 'zod';
import { definePlanType, identityOf } from '../plan-type.ts';
import { DNS_NAME, NODE_NAME, TAG, VM_ID } from './common.ts';
import {
  vmAgent,
  vmCdrom,
  vmClone,
  vmCpu,
  vmDisk,
  vmEfiDisk,
  vmInitialization,
  vmMemory,
  vmNetworkDevice,
  vmOperatingSystem,
  vmSerialDevice,
  vmStartup,
  vmTpmState,
  vmVga,
} from './vm-blocks.ts';

const ROOT_ONLY =
  'Proxmox lets only root@pam set it, and pvecdk deploys with an API token; set it on the template instead';

/** `proxmox_virtual_environment_vm`: a QEMU VM, usually cloned from a template. */
export const vmType = definePlanType({
  type: 'proxmox_virtual_environment_vm',
  typeName: 'VirtualEnvironmentVm',
  properties: (k) =>
    z.strictObject({
      node_name: k.ref(NODE_NAME).describe('The node the VM runs on.'),
      vm_id: k.ref(VM_ID).describe('The VM id.'),
      name: DNS_NAME.optional().describe('The VM name (a DNS name).'),
      description: z.string().optional().describe('Notes shown in the Proxmox GUI.'),
      tags: z.array(TAG).optional().describe('Tags; pvecdk adds its ownership tags to them.'),
      pool_id: k.ref(z.string()).optional().describe('The resource pool the VM belongs to.'),
      on_boot: z
        .boolean()
        .optional()
        .meta({ description: 'Start the VM when its node boots.', default: "Proxmox's: false" }),
      started: z
        .boolean()
        .optional()
        .meta({ description: 'Keep the VM running (`false`: keep it stopped).', default: 'true' }),
      template: z.boolean().optional().meta({
        description: 'Turn the VM into a template (cannot be undone; going back replaces it).',
        default: 'false',
      }),
      reboot: z
        .boolean()
        .optional()
        .meta({ description: 'Reboot the VM once after it was created.', default: 'false' }),
      reboot_after_update: z.boolean().optional().meta({
        description:
          'Reboot a running VM when an update left changes pending that only a reboot applies (pvecdk never reboots unasked: unlike the provider, the default is false, and pending changes are reported).',
        default: 'false',
      }),
      migrate: z.boolean().optional().meta({
        description: 'Migrate the VM when `node_name` changes, instead of replacing it.',
        default: 'false',
      }),
      protection: z
        .boolean()
        .optional()
        .meta({ description: 'Protect the VM and its disks from removal.', default: "Proxmox's: false" }),
      acpi: z.boolean().optional().meta({ description: 'ACPI support.', default: "Proxmox's: true" }),
      bios: z.enum(['seabios', 'ovmf']).optional().meta({
        description: 'The firmware; `ovmf` for UEFI (with `efi_disk`).',
        default: "Proxmox's: seabios",
      }),
      machine: z
        .string()
        .regex(/^(pc|q35|virt)([\w.,=+-]*)$/, 'pc, q35, pc-i440fx-X.Y, pc-q35-X.Y or virt')
        .optional()
        .meta({ description: 'The machine type.', default: "Proxmox's: pc (i440fx)" }),
      boot_order: z
        .array(z.string().regex(/^[a-z]+\d+$/, 'a device such as scsi0 or net0'))
        .optional()
        .describe('Boot devices in order, e.g. `["scsi0", "net0"]`.'),
      scsi_hardware: z
        .enum(['virtio-scsi-pci', 'virtio-scsi-single', 'lsi', 'lsi53c810', 'megasas', 'pvscsi'])
        .optional()
        .meta({ description: 'The SCSI controller.', default: "Proxmox's: lsi" }),
      keyboard_layout: z.string().optional().describe('The VNC keyboard layout, e.g. `de`.'),
      hotplug: z
        .string()
        .regex(
          /^(0|1|((network|disk|cpu|memory|usb|cloudinit)(,(network|disk|cpu|memory|usb|cloudinit))*))$/,
          'a comma-separated list of network, disk, cpu, memory, usb, cloudinit; or 0 or 1',
        )
        .optional()
        .meta({ description: 'Hot-pluggable features.', default: "Proxmox's: network,disk,usb" }),
      tablet_device: z
        .boolean()
        .optional()
        .meta({ description: 'A USB tablet for absolute pointer positions.', default: "Proxmox's: true" }),
      stop_on_destroy: z.boolean().optional().meta({
        description: 'On destroy, stop the VM at once instead of shutting it down (ACPI) first.',
        default: 'false',
      }),
      purge_on_destroy: z.boolean().optional().meta({
        description: 'On destroy, also remove the VM from backup jobs, replication and HA.',
        default: 'true',
      }),
      delete_unreferenced_disks_on_destroy: z.boolean().optional().meta({
        description: 'On destroy, also delete disks of this VM id that its config does not list.',
        default: 'true',
      }),
      clone: vmClone(k).optional(),
      cpu: vmCpu.optional(),
      memory: vmMemory.optional(),
      agent: vmAgent.optional(),
      disk: z.array(vmDisk).max(31).optional().describe('Disks, one per slot.'),
      network_device: z.array(vmNetworkDevice(k)).max(32).optional().describe('NICs, `net0` first.'),
      initialization: vmInitialization(k).optional(),
      operating_system: vmOperatingSystem.optional(),
      startup: vmStartup.optional(),
      vga: vmVga.optional(),
      efi_disk: vmEfiDisk.optional(),
      tpm_state: vmTpmState.optional(),
      serial_device: z.array(vmSerialDevice).max(4).optional().describe('Serial ports, `serial0` first.'),
      cdrom: vmCdrom.optional(),
    }),
  identity: identityOf('vm_id'),
  attributes: {
    vm_id: 'The VM id.',
    node_name: 'The node the VM runs on.',
    mac_addresses: 'MAC addresses of the NICs, `net0` first.',
  },
  notApplied: {
    'clone.retries': 'the engine retries transient failures of every action itself; remove it',
    'cpu.affinity': ROOT_ONLY,
    'cpu.architecture': ROOT_ONLY,
    'memory.hugepages': ROOT_ONLY,
    'memory.keep_hugepages': ROOT_ONLY,
    'memory.shared': 'shared memory (ivshmem) devices are not managed by pvecdk yet',
    'agent.timeout': 'pvecdk does not wait for the guest agent; remove it',
    'disk[].import_from':
      'disks are created empty or cloned from the template; import images into the template',
    'disk[].file_id':
      'disks are created empty or cloned from the template; attach existing images to the template',
  },
});
