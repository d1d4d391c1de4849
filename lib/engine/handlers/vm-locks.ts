import { setTimeout as sleep } from 'node:timers/promises';
import { EngineError } from '../engine-errors.ts';
import type { HandlerContext } from './handler.ts';

/** Proxmox's own default for a clone to finish (bpg's `timeout_clone`): a lock is waited for as long. */
const LOCK_WAIT_MS = 30 * 60_000;

/**
 * Waits until a VM carries no lock (`create` while a clone makes it, `backup`,
 * `snapshot`, `migrate`...) before the engine changes or deletes it, as long
 * as a running task this token can see may hold it: its own clone (listed
 * under the template's id) or any task on the VM. A lock no running task
 * holds was left by a task that died (its node restarted mid-clone): only
 * root@pam may remove it (`skiplock` and `qm unlock` are root's), so the
 * deploy stops saying how, and the next deploy finishes the VM it began.
 */
export async function settleVmLock(
  ctx: HandlerContext,
  vm: {
    readonly path: string;
    readonly node: string;
    readonly vmid: number;
    readonly cloneSource?: number | undefined;
  },
  options: { readonly timeoutMs?: number; readonly pollMs?: number } = {},
): Promise<void> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? LOCK_WAIT_MS;
  let pause = options.pollMs ?? 1000;
  for (;;) {
    const { lock } = await ctx.api.qemuConfig(vm.node, vm.vmid);
    if (!lock) return;
    if (lock === 'suspended')
      throw new EngineError(
        'ENGINE_CANNOT_APPLY',
        `${vm.path}: VM ${vm.vmid} on ${vm.node} is suspended to disk (lock suspended); nothing was changed`,
        `resume it (GUI, or qm resume ${vm.vmid} on ${vm.node}), then deploy again`,
      );
    const active = await ctx.api.nodeTasks(vm.node, { source: 'active' });
    const holder = active.find(
      (t) =>
        t.id === String(vm.vmid) ||
        (lock === 'create' &&
          t.type === 'qmclone' &&
          vm.cloneSource !== undefined &&
          t.id === String(vm.cloneSource)),
    );
    if (!holder)
      throw new EngineError(
        'ENGINE_CANNOT_APPLY',
        `${vm.path}: VM ${vm.vmid} on ${vm.node} is locked (${lock}) and no running task this token can see holds the lock; nothing was changed`,
        `if someone else's task holds it (a backup), deploy again once it ends; if a ${lock === 'create' ? 'clone' : 'task'} died with its node, remove the lock as root on ${vm.node} (qm unlock ${vm.vmid}) and deploy again: pvecdk finishes the VM it began`,
      );
    if (Date.now() - started >= timeoutMs)
      throw new EngineError(
        'ENGINE_CANNOT_APPLY',
        `${vm.path}: VM ${vm.vmid} on ${vm.node} is still locked (${lock}) by task ${holder.upid} after ${Math.round((Date.now() - started) / 1000)} s; nothing was changed`,
        'deploy again once the task has ended (Datacenter → Tasks shows it)',
      );
    await sleep(pause);
    pause = Math.min(pause * 1.5, 10_000);
  }
}
