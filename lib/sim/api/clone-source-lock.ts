import { dieError } from '../emulator-error.ts';
import type { EmulatorContext } from '../handler.ts';
import { STORAGE_LOCK_WAIT_MS } from '../storage-io.ts';

/** What a `qmclone` task's arguments say of its source. */
interface CloneSource {
  readonly source: number;
  readonly isTemplate: boolean;
}

/**
 * qemu-server's clone_vm holds a shared flock on a stopped source (a
 * template) for the whole `qmclone` worker (`lock_config_shared`), so any
 * number of clones run side by side, while a change that needs the exclusive
 * config lock waits and fails after lock_config's 10 s if clones still run.
 * The emulator answers at once instead of after the wait; a change whose
 * wait would end in time goes through.
 */
export function assertNotBeingCloned(ctx: EmulatorContext, vmid: number): void {
  const holdUntil = Object.values(ctx.state.tasks ?? {})
    .filter((t) => t.status === 'running' && t.work.kind === 'qmclone')
    .filter((t) => {
      const args = t.work.args as CloneSource;
      return args.source === vmid && args.isTemplate;
    })
    .reduce((latest, t) => Math.max(latest, t.endsAtMs), 0);
  if (holdUntil > Date.now() + ctx.tasks.scaled(STORAGE_LOCK_WAIT_MS))
    throw dieError(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
}
