import { dieError } from '../emulator-error.ts';
import { copyGuest } from '../guests/guest-state.ts';
import type { HandlerTable } from '../handler.ts';
import type { TaskKind } from '../task-runner.ts';
import { vmOnNode, workerVm } from './qemu.ts';
import { assertUnlocked } from './qemu-config-store.ts';

/** `qmsnapshot`: the snapshot is taken of the config as it is when the worker ends. */
const snapshotTask: TaskKind<{ vmid: number; name: string; description: string }> = {
  name: 'qmsnapshot',
  run: (env, { vmid, name, description }) => {
    const vm = workerVm(env.state, vmid);
    vm.lock = undefined;
    vm.snapshots[name] = {
      name,
      description,
      snaptime: Math.floor(env.now / 1000),
      ...(vm.parent ? { parent: vm.parent } : {}),
      config: { ...vm.config },
      // The guest's disk is part of what a snapshot captures.
      ...(vm.guest ? { guest: copyGuest(vm.guest) } : {}),
    };
    vm.parent = name;
    env.changed();
    return [`snapshotting '${name}'`];
  },
};

/** `qmrollback`: the config goes back to the snapshot's. */
const rollbackTask: TaskKind<{ vmid: number; snapname: string; start: boolean }> = {
  name: 'qmrollback',
  run: (env, { vmid, snapname, start }) => {
    const vm = workerVm(env.state, vmid);
    const snap = vm.snapshots[snapname];
    vm.lock = undefined;
    if (snap) {
      vm.config = { ...snap.config };
      // The disk goes back too; a guest that had no disk state then starts from its image again.
      vm.guest = snap.guest ? copyGuest(snap.guest) : undefined;
      vm.parent = snap.name;
    }
    vm.status = start ? 'running' : 'stopped';
    env.changed();
    return [`rollback to snapshot '${snapname}'`];
  },
};

/** `qmdelsnapshot`: children of the removed snapshot then descend from its parent. */
const deleteSnapshotTask: TaskKind<{ vmid: number; name: string }> = {
  name: 'qmdelsnapshot',
  run: (env, { vmid, name }) => {
    const vm = workerVm(env.state, vmid);
    const snap = vm.snapshots[name];
    vm.lock = undefined;
    delete vm.snapshots[name];
    for (const s of Object.values(vm.snapshots)) {
      if (s.parent === name) Object.assign(s, { parent: snap?.parent });
    }
    if (vm.parent === name) vm.parent = snap?.parent;
    env.changed();
    return [`delete snapshot '${name}'`];
  },
};

export const qemuSnapshotTaskKinds = [snapshotTask, rollbackTask, deleteSnapshotTask];

/** Snapshots: list (with the `current` pseudo entry), create, rollback, delete, each holding the VM lock. */
export const qemuSnapshotHandlers: HandlerTable = [
  [
    'GET',
    '/nodes/{node}/qemu/{vmid}/snapshot',
    (ctx) => {
      const vm = vmOnNode(ctx);
      const list: unknown[] = Object.values(vm.snapshots).map((s) => ({
        name: s.name,
        description: s.description,
        snaptime: s.snaptime,
        vmstate: 0,
        ...(s.parent ? { parent: s.parent } : {}),
      }));
      list.push({
        name: 'current',
        description: 'You are here!',
        running: vm.status === 'running' ? 1 : 0,
        ...(vm.parent ? { parent: vm.parent } : {}),
      });
      return list;
    },
  ],
  [
    'POST',
    '/nodes/{node}/qemu/{vmid}/snapshot',
    (ctx) => {
      const vm = vmOnNode(ctx);
      const name = String(ctx.params.snapname);
      if (name === 'current') throw dieError("invalid snapshot name 'current'");
      if (vm.snapshots[name]) throw dieError(`snapshot name '${name}' already used`);
      assertUnlocked(vm);
      vm.lock = 'snapshot';
      return ctx.tasks.start(
        {
          node: vm.node,
          type: 'qmsnapshot',
          id: String(vm.vmid),
          user: ctx.actor,
          latencyMs: ctx.latency.snapshot,
        },
        snapshotTask,
        { vmid: vm.vmid, name, description: String(ctx.params.description ?? '') },
      );
    },
  ],
  [
    'POST',
    '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback',
    (ctx) => {
      const vm = vmOnNode(ctx);
      const snap = vm.snapshots[String(ctx.params.snapname)];
      if (!snap) throw dieError(`snapshot '${String(ctx.params.snapname)}' does not exist`);
      assertUnlocked(vm);
      vm.lock = 'rollback';
      return ctx.tasks.start(
        {
          node: vm.node,
          type: 'qmrollback',
          id: String(vm.vmid),
          user: ctx.actor,
          latencyMs: ctx.latency.snapshot,
        },
        rollbackTask,
        { vmid: vm.vmid, snapname: snap.name, start: ctx.params.start === 1 },
      );
    },
  ],
  [
    'DELETE',
    '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}',
    (ctx) => {
      const vm = vmOnNode(ctx);
      const name = String(ctx.params.snapname);
      const snap = vm.snapshots[name];
      if (!snap) throw dieError(`snapshot '${name}' does not exist`);
      assertUnlocked(vm);
      vm.lock = 'snapshot-delete';
      return ctx.tasks.start(
        {
          node: vm.node,
          type: 'qmdelsnapshot',
          id: String(vm.vmid),
          user: ctx.actor,
          latencyMs: ctx.latency.snapshot,
        },
        deleteSnapshotTask,
        { vmid: vm.vmid, name },
      );
    },
  ],
];
