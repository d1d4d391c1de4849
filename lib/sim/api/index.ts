import type { HandlerTable } from '../handler.ts';
import { accessHandlers } from './access.ts';
import { accessAdminHandlers } from './access-admin.ts';
import { accessChangeHandlers } from './access-changes.ts';
import { accessGroupHandlers } from './access-groups.ts';
import { clusterHandlers } from './cluster.ts';
import { datacenterHandlers } from './datacenter.ts';
import { firewallHandlers } from './firewall.ts';
import { haGroupHandlers } from './ha-groups.ts';
import { networkHandlers } from './network.ts';
import { qemuHandlers } from './qemu.ts';
import { qemuCloneHandlers } from './qemu-clone.ts';
import { qemuExtraHandlers } from './qemu-extra.ts';
import { qemuSnapshotHandlers } from './qemu-snapshot.ts';
import { qemuStatusHandlers } from './qemu-status.ts';
import { storageFileHandlers } from './storage-files.ts';
import { taskHandlers } from './tasks.ts';

/** Every emulated endpoint. */
export const ALL_HANDLERS: HandlerTable = [
  ...accessHandlers,
  ...accessAdminHandlers,
  ...accessChangeHandlers,
  ...accessGroupHandlers,
  ...datacenterHandlers,
  ...firewallHandlers,
  ...haGroupHandlers,
  ...clusterHandlers,
  ...networkHandlers,
  ...qemuHandlers,
  ...qemuStatusHandlers,
  ...qemuCloneHandlers,
  ...qemuExtraHandlers,
  ...qemuSnapshotHandlers,
  ...taskHandlers,
  // After datacenterHandlers: its storage content listing, extended with files, replaces theirs.
  ...storageFileHandlers,
];
