import { z } from 'zod';
import type { PveClient } from './client.ts';
import { PveError } from './errors.ts';
import { parseUpid } from './upid.ts';

export const TaskStatusSchema = z.object({
  status: z.enum(['running', 'stopped']),
  exitstatus: z.string().optional(),
  type: z.string().optional(),
  id: z.string().optional(),
  node: z.string().optional(),
  user: z.string().optional(),
  starttime: z.number().optional(),
});
export type TaskStatus = z.infer<typeof TaskStatusSchema>;

export const TaskLogLineSchema = z.object({ n: z.number(), t: z.string() });
export type TaskLogLine = z.infer<typeof TaskLogLineSchema>;

/** One entry of a node's task list (`GET /nodes/{node}/tasks`). */
export const TaskListEntrySchema = z.object({
  upid: z.string(),
  type: z.string(),
  id: z.string(),
  node: z.string(),
  user: z.string(),
  starttime: z.number(),
  /** `RUNNING` for an active task; the exit status (`OK`, an error text) for a finished one. */
  status: z.string().optional(),
  endtime: z.number().optional(),
});
export type TaskListEntry = z.infer<typeof TaskListEntrySchema>;

/** Which tasks a node lists: finished ones (Proxmox's default), running ones, or both. */
export type TaskSource = 'archive' | 'active' | 'all';

/**
 * A node's tasks, newest first. Without Sys.Audit on the node Proxmox lists
 * only the caller's own (a token's own tasks).
 */
export function nodeTasks(
  client: PveClient,
  node: string,
  filter: { source?: TaskSource; typefilter?: string; vmid?: number; limit?: number } = {},
): Promise<TaskListEntry[]> {
  return client.get(`/nodes/${encodeURIComponent(node)}/tasks`, { ...filter }, TaskListEntrySchema.array());
}

const taskPath = (upid: string) =>
  `/nodes/${encodeURIComponent(parseUpid(upid).node)}/tasks/${encodeURIComponent(upid)}`;

/** The task's state; the node to ask is the one in the UPID. */
export function taskStatus(client: PveClient, upid: string): Promise<TaskStatus> {
  return client.get(`${taskPath(upid)}/status`, {}, TaskStatusSchema);
}

/** Lines of the task log (1-based `n`); Proxmox's default page is 50 lines. */
export function taskLog(
  client: PveClient,
  upid: string,
  range: { start?: number; limit?: number } = {},
): Promise<TaskLogLine[]> {
  return client.get(
    `${taskPath(upid)}/log`,
    { start: range.start ?? 0, limit: range.limit ?? 50 },
    TaskLogLineSchema.array(),
  );
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** First poll interval; grows to `maxPollMs`. */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** `OK` and `WARNINGS: n` are success; anything else is the error text. */
export function taskSucceeded(exitstatus: string | undefined): boolean {
  return exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus ?? '');
}

/**
 * Waits for a task by polling its status with a growing interval. A failed
 * task raises PVE_TASK_FAILED with the last lines of its log; running past
 * the timeout raises PVE_TIMEOUT (the task itself goes on in Proxmox).
 */
export async function waitForTask(client: PveClient, upid: string, options: WaitOptions = {}): Promise<void> {
  const { node, type, id } = parseUpid(upid);
  const base = taskPath(upid);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + (options.timeoutMs ?? 30 * 60_000);
  let interval = options.pollMs ?? 200;
  for (;;) {
    const status = await taskStatus(client, upid);
    if (status.status === 'stopped') {
      if (taskSucceeded(status.exitstatus)) return;
      // The whole log is fetched since its length is unknown; only the tail is kept.
      const log = await taskLog(client, upid, { limit: 5000 }).catch(() => []);
      throw new PveError(
        'PVE_TASK_FAILED',
        `task ${type}${id ? ` ${id}` : ''} on ${node} failed: ${status.exitstatus ?? 'unknown status'}`,
        {
          path: base,
          taskLog: log.slice(-10).map((l) => l.t),
          hint: "see the task log above; the same log is in the Proxmox GUI under the node's Tasks",
        },
      );
    }
    if (now() >= deadline) {
      throw new PveError(
        'PVE_TIMEOUT',
        `task ${type}${id ? ` ${id}` : ''} on ${node} still running after ${options.timeoutMs ?? 1_800_000} ms`,
        {
          path: base,
          hint: 'the task goes on in Proxmox; wait for it there, then run again',
        },
      );
    }
    await sleep(interval);
    interval = Math.min(options.maxPollMs ?? 2_000, Math.round(interval * 1.5));
  }
}
