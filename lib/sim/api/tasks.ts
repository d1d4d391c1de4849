import { EmulatorHttpError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import type { EmulatorTask } from '../task-runner.ts';

/** The fields every task answer carries, decoded from the UPID. */
function taskFields(t: EmulatorTask) {
  return {
    upid: t.upid,
    node: t.node,
    pid: t.pid,
    pstart: t.pstart,
    starttime: t.starttime,
    type: t.type,
    id: t.id,
    user: t.user,
  };
}

function taskOf(ctx: EmulatorContext): EmulatorTask {
  const t = ctx.tasks.get(String(ctx.params.upid));
  if (!t) throw new EmulatorHttpError(400, 'Parameter verification failed.', { upid: 'no such task' });
  return t;
}

/** Task list, status and log in Proxmox's shapes (numbers decoded from the UPID, `id` a string). */
export const taskHandlers: HandlerTable = [
  [
    'GET',
    '/nodes/{node}/tasks',
    // Newest first, filtered, then `start` and `limit` (default 50): the history outlives restarts and grows.
    (ctx) => {
      const { vmid, typefilter, userfilter, errors } = ctx.params;
      const start = Number(ctx.params.start ?? 0);
      const limit = Number(ctx.params.limit ?? 50);
      return ctx.tasks
        .list(String(ctx.params.node))
        .filter((t) => vmid === undefined || t.id === String(vmid))
        .filter((t) => typefilter === undefined || t.type === String(typefilter))
        .filter(
          (t) => userfilter === undefined || t.user.toLowerCase().includes(String(userfilter).toLowerCase()),
        )
        .filter((t) => !errors || (t.status === 'stopped' && t.exitstatus !== 'OK'))
        .slice(start, start + limit)
        .map((t) => ({
          ...taskFields(t),
          ...(t.status === 'stopped' ? { status: t.exitstatus, endtime: t.endtime } : {}),
        }));
    },
  ],
  [
    'GET',
    '/nodes/{node}/tasks/{upid}/status',
    (ctx) => {
      const t = taskOf(ctx);
      return {
        ...taskFields(t),
        status: t.status,
        ...(t.status === 'stopped' ? { exitstatus: t.exitstatus } : {}),
      };
    },
  ],
  [
    'GET',
    '/nodes/{node}/tasks/{upid}/log',
    (ctx) => {
      const t = taskOf(ctx);
      const start = Number(ctx.params.start ?? 0);
      const limit = Number(ctx.params.limit ?? 50);
      const lines = t.log.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }));
      return lines.length ? lines : [{ n: 0, t: 'no content' }];
    },
  ],
];
