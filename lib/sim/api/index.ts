import type { HandlerTable } from '../handler.ts';
import type { AnyTaskKind } from '../task-runner.ts';
import { accessHandlers } from './access.ts';
import { accessAdminHandlers } from './access-admin.ts';
import { accessChangeHandlers } from './access-changes.ts';
import { accessGroupHandlers } from './access-groups.ts';
import { clusterHandlers } from './cluster.ts';
import { datacenterHandlers } from './datacenter.ts';
import { firewallHandlers } from './firewall.ts';
import { haGroupHandlers } from './ha-groups.ts';
import { networkHandlers, networkTaskKinds } from './network.ts';
import { qemuHandlers, qemuTaskKinds } from './qemu.ts';
import { qemuCloneHandlers, qemuCloneTaskKinds } from './qemu-clone.ts';
import { qemuExtraHandlers, qemuExtraTaskKinds } from './qemu-extra.ts';
import { qemuMoveDiskHandlers, qemuMoveDiskTaskKinds } from './qemu-move-disk.ts';
import { qemuSnapshotHandlers, qemuSnapshotTaskKinds } from './qemu-snapshot.ts';
import { qemuStatusHandlers, qemuStatusTaskKinds } from './qemu-status.ts';
import { storageConfigHandlers } from './storage-config.ts';
import { storageFileHandlers, storageFileTaskKinds } from './storage-files.ts';
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
  ...qemuMoveDiskHandlers,
  ...taskHandlers,
  ...storageConfigHandlers,
  // After datacenterHandlers: its storage content listing, extended with files, replaces theirs.
  ...storageFileHandlers,
];

/** Every kind of worker task the endpoints start: a restarted emulator finishes persisted tasks with these. */
export const ALL_TASK_KINDS: readonly AnyTaskKind[] = [
  ...networkTaskKinds,
  ...qemuTaskKinds,
  ...qemuStatusTaskKinds,
  ...qemuCloneTaskKinds,
  ...qemuExtraTaskKinds,
  ...qemuSnapshotTaskKinds,
  ...qemuMoveDiskTaskKinds,
  ...storageFileTaskKinds,
];
