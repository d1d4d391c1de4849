import { EmulatorHttpError } from '../emulator-error.ts';
import { type EmulatorContext, EnvelopedAnswer, type HandlerTable } from '../handler.ts';
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

const isTrue = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';

/** A task's status as Proxmox groups it (upid_normalize_status_type): ok, warning, error or unknown. */
function statusType(t: EmulatorTask): string {
  if (t.status !== 'stopped') return 'unknown';
  const status = String(t.exitstatus ?? '');
  if (status === 'OK') return 'ok';
  if (/^WARNINGS: \d+$/.test(status)) return 'warning';
  return status === '' ? 'unknown' : 'error';
}

/** The task states a list keeps: `statusfilter` (a list), or all but ok with `errors`. */
function statusFilter(filter: unknown, errors: boolean): ReadonlySet<string> {
  if (errors) return new Set(['warning', 'error', 'unknown']);
  if (filter === undefined) return new Set(['ok', 'warning', 'error', 'unknown']);
  return new Set(
    String(filter)
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map((s) => s.toLowerCase()),
  );
}

/** Whether a task is the caller's: a token sees its own tasks, a user its own and its tokens'. */
function ownTask(taskUser: string, caller: string): boolean {
  return taskUser === caller || (!caller.includes('!') && taskUser.startsWith(`${caller}!`));
}

/** Proxmox lists a token's task with `user` and `tokenid` apart. */
function splitToken(user: string): { user: string; tokenid?: string } {
  const bang = user.indexOf('!');
  return bang < 0 ? { user } : { user: user.slice(0, bang), tokenid: user.slice(bang + 1) };
}

/** Task list, status and log in Proxmox's shapes (numbers decoded from the UPID, `id` a string). */
export const taskHandlers: HandlerTable = [
  [
    'GET',
    '/nodes/{node}/tasks',
    // As pve-manager's node_tasks: `source` archive (the default: finished tasks only), active
    // (running, status RUNNING) or all (active first); without Sys.Audit on the node only the
    // caller's own tasks (a token sees its own, its user sees the user's and its tokens'); then
    // the filters, `start` and `limit` (default 50), newest first.
    (ctx) => {
      const node = String(ctx.params.node);
      const { vmid, typefilter, userfilter } = ctx.params;
      const source = String(ctx.params.source ?? 'archive');
      const start = Number(ctx.params.start ?? 0);
      let limit = Number(ctx.params.limit ?? 50);
      const since = ctx.params.since === undefined ? undefined : Number(ctx.params.since);
      const until = ctx.params.until === undefined ? undefined : Number(ctx.params.until);
      const statuses = statusFilter(ctx.params.statusfilter, isTrue(ctx.params.errors));
      const auditor = ctx.can('Sys.Audit', `/nodes/${node}`);
      const caller = ctx.actor;
      let count = 0;
      const keep = (t: EmulatorTask): boolean => {
        if (userfilter !== undefined && !t.user.toLowerCase().includes(String(userfilter).toLowerCase()))
          return false;
        if (!auditor && !ownTask(t.user, caller)) return false;
        if (typefilter !== undefined && t.type !== String(typefilter)) return false;
        if (vmid !== undefined && t.id !== String(vmid)) return false;
        if (since !== undefined && t.starttime < since) return false;
        if (until !== undefined && t.starttime > until) return false;
        if (!statuses.has(statusType(t))) return false;
        if (count++ < start || limit <= 0) return false;
        limit--;
        return true;
      };
      const all = ctx.tasks.list(node);
      const active = source === 'active' || source === 'all' ? all.filter((t) => t.status === 'running') : [];
      const archived = source === 'active' ? [] : all.filter((t) => t.status === 'stopped');
      const page = [...active, ...archived].filter(keep).map((t) => ({
        ...taskFields(t),
        ...splitToken(t.user),
        ...(t.status === 'stopped' ? { status: t.exitstatus, endtime: t.endtime } : { status: 'RUNNING' }),
      }));
      // `total`: every task the filters kept, before start and limit.
      return new EnvelopedAnswer(page, { total: count });
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
      // read_task_log: `total` counts the log's lines; an empty log answers one line, "no content".
      return lines.length
        ? new EnvelopedAnswer(lines, { total: t.log.length })
        : new EnvelopedAnswer([{ n: 1, t: 'no content' }], { total: 1 });
    },
  ],
];
