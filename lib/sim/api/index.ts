import type { HandlerTable } from '../handler.ts';
import { accessHandlers } from './access.ts';
import { clusterHandlers } from './cluster.ts';
import { networkHandlers } from './network.ts';
import { qemuHandlers } from './qemu.ts';
import { qemuCloneHandlers } from './qemu-clone.ts';
import { qemuSnapshotHandlers } from './qemu-snapshot.ts';
import { qemuStatusHandlers } from './qemu-status.ts';
import { taskHandlers } from './tasks.ts';

/** Every emulated endpoint. */
export const ALL_HANDLERS: HandlerTable = [
  ...accessHandlers,
  ...clusterHandlers,
  ...networkHandlers,
  ...qemuHandlers,
  ...qemuStatusHandlers,
  ...qemuCloneHandlers,
  ...qemuSnapshotHandlers,
  ...taskHandlers,
];
