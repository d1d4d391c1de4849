import type { HandlerTable } from '../handler.ts';
import { SimHttpError } from '../sim-error.ts';

/** Task list, status and log in Proxmox's shapes (numbers decoded from the UPID, `id` a string). */
export const taskHandlers: HandlerTable = [
  [
    'GET',
    '/nodes/{node}/tasks',
    (ctx) =>
      ctx.tasks.list(String(ctx.params.node)).map((t) => ({
        upid: t.upid,
        node: t.node,
        pid: t.pid,
        pstart: t.pstart,
        starttime: t.starttime,
        type: t.type,
        id: t.id,
        user: t.user,
        ...(t.status === 'stopped' ? { status: t.exitstatus, endtime: t.endtime } : {}),
      })),
  ],
  [
    'GET',
    '/nodes/{node}/tasks/{upid}/status',
    (ctx) => {
      const t = ctx.tasks.get(String(ctx.params.upid));
      if (!t) throw new SimHttpError(400, 'Parameter verification failed.', { upid: 'no such task' });
      return {
        upid: t.upid,
        node: t.node,
        pid: t.pid,
        pstart: t.pstart,
        starttime: t.starttime,
        type: t.type,
        id: t.id,
        user: t.user,
        status: t.status,
        ...(t.status === 'stopped' ? { exitstatus: t.exitstatus } : {}),
      };
    },
  ],
  [
    'GET',
    '/nodes/{node}/tasks/{upid}/log',
    (ctx) => {
      const t = ctx.tasks.get(String(ctx.params.upid));
      if (!t) throw new SimHttpError(400, 'Parameter verification failed.', { upid: 'no such task' });
      const start = Number(ctx.params.start ?? 0);
      const limit = Number(ctx.params.limit ?? 50);
      const lines = t.log.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }));
      return lines.length ? lines : [{ n: 0, t: 'no content' }];
    },
  ],
];
