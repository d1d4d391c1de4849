import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { Plan } from '../../contract/plan.ts';
import type { ResourceReport } from '../deploy-report.ts';
import type { HistoryEntry } from './state-backend.ts';

/** A history entry as stored (a line of the local file, a row's JSON): checked when read back. */
export const HistoryEntrySchema = z.strictObject({
  remote: z.string().min(1),
  stack: z.string().min(1),
  serial: z.number().int().nonnegative(),
  appliedAt: z.string().min(1),
  command: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  planSha256: z.string().regex(/^[0-9a-f]{64}$/),
  actions: z.record(z.string(), z.number().int().nonnegative()),
  ok: z.boolean(),
});

/** The history entry of a stack's run: its plan's digest and how many resources took each action. */
export function historyEntryOf(
  plan: Plan,
  remote: string,
  serial: number,
  command: string,
  reports: readonly ResourceReport[],
  ok: boolean,
): HistoryEntry {
  const actions: Record<string, number> = {};
  for (const r of reports) actions[r.action] = (actions[r.action] ?? 0) + 1;
  return {
    remote,
    stack: plan.stack,
    serial,
    appliedAt: new Date().toISOString(),
    command,
    hostname: hostname(),
    pid: process.pid,
    planSha256: createHash('sha256').update(JSON.stringify(plan)).digest('hex'),
    actions,
    ok,
  };
}
