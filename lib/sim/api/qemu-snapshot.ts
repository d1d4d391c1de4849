import { dieError } from '../emulator-error.ts';
import type { HandlerTable } from '../handler.ts';
import { vmOnNode } from './qemu.ts';
import { assertUnlocked } from './qemu-config-store.ts';

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
      return ctx.tasks.start(vm.node, 'qmsnapshot', String(vm.vmid), ctx.actor, ctx.latency.snapshot, () => {
        vm.lock = undefined;
        vm.snapshots[name] = {
          name,
          description: String(ctx.params.description ?? ''),
          snaptime: Math.floor(Date.now() / 1000),
          ...(vm.parent ? { parent: vm.parent } : {}),
          config: { ...vm.config },
        };
        vm.parent = name;
        ctx.changed();
        return [`snapshotting '${name}'`];
      });
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
      return ctx.tasks.start(vm.node, 'qmrollback', String(vm.vmid), ctx.actor, ctx.latency.snapshot, () => {
        vm.lock = undefined;
        vm.config = { ...snap.config };
        vm.parent = snap.name;
        vm.status = ctx.params.start === 1 ? 'running' : 'stopped';
        ctx.changed();
        return [`rollback to snapshot '${snap.name}'`];
      });
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
        vm.node,
        'qmdelsnapshot',
        String(vm.vmid),
        ctx.actor,
        ctx.latency.snapshot,
        () => {
          vm.lock = undefined;
          delete vm.snapshots[name];
          // Children of the removed snapshot now descend from its parent.
          for (const s of Object.values(vm.snapshots)) {
            if (s.parent === name) Object.assign(s, { parent: snap.parent });
          }
          if (vm.parent === name) vm.parent = snap.parent;
          ctx.changed();
          return [`delete snapshot '${name}'`];
        },
      );
    },
  ],
];
