import { z } from 'zod';
import type { EmulatorRequest, RequestFault } from './emulator.ts';
import type { EmulatorTask } from './task-runner.ts';

/** One kind of trouble, injected into a share of the matching requests. */
export const FaultRuleSchema = z.strictObject({
  /** HTTP method to hit; all when left out. */
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).optional(),
  /** Regular expression on the API path (after /api2/json). */
  path: z.string().optional(),
  /** Share of matching requests, 0..1. */
  rate: z.number().min(0).max(1),
  fault: z.enum(['server-error', 'reset', 'slow', 'lock-timeout']),
  /** For `slow`: the delay in ms. */
  delayMs: z.number().int().min(0).max(60_000).optional(),
});

export const FaultPlanSchema = z.strictObject({
  /** Same seed, same sequence of faults: a failing run can be replayed. */
  seed: z.number().int().default(1),
  rules: z.array(FaultRuleSchema).default([]),
  /** Share of tasks that fail, with `taskError` as their exit status. */
  taskFailureRate: z.number().min(0).max(1).default(0),
  taskError: z.string().default('emulated task failure (pvecdk fault injection)'),
});

export type FaultPlan = z.infer<typeof FaultPlanSchema>;
export type FaultRule = z.infer<typeof FaultRuleSchema>;

/** mulberry32: a small, fast, seedable generator, enough for reproducible fault sequences. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Decides, per request and per task, whether to misbehave: 5xx, dropped
 * connections, slow answers, lock timeouts (500 `can't lock file ... got
 * timeout`, which Proxmox returns before changing anything), failed tasks.
 */
export class FaultInjector {
  private plan: FaultPlan;
  private random: () => number;
  /** What was injected so far: requests and tasks, and requests by fault kind (for a soak's summary). */
  readonly injected: { requests: number; tasks: number; byKind: Record<FaultRule['fault'], number> } = {
    requests: 0,
    tasks: 0,
    byKind: { 'server-error': 0, reset: 0, slow: 0, 'lock-timeout': 0 },
  };

  constructor(plan: Partial<FaultPlan> = {}) {
    this.plan = FaultPlanSchema.parse(plan);
    this.random = seededRandom(this.plan.seed);
  }

  get current(): FaultPlan {
    return this.plan;
  }

  /** Replaces the plan (and restarts its random sequence). */
  configure(plan: unknown): FaultPlan {
    this.plan = FaultPlanSchema.parse(plan);
    this.random = seededRandom(this.plan.seed);
    return this.plan;
  }

  decide = (req: EmulatorRequest): RequestFault | undefined => {
    const path = new URL(req.url, 'https://emulator').pathname.replace(/^\/api2\/json/, '');
    for (const rule of this.plan.rules) {
      if (rule.method && rule.method !== req.method.toUpperCase()) continue;
      if (rule.path && !new RegExp(rule.path).test(path)) continue;
      if (this.random() >= rule.rate) continue;
      this.injected.requests += 1;
      this.injected.byKind[rule.fault] += 1;
      switch (rule.fault) {
        case 'server-error':
          return { kind: 'status', status: 500, reason: 'emulated server error (pvecdk fault injection)' };
        case 'reset':
          return { kind: 'reset' };
        case 'slow':
          return { kind: 'delay', ms: rule.delayMs ?? 2_000 };
        case 'lock-timeout': {
          const vmid = /\/qemu\/(\d+)/.exec(path)?.[1] ?? '100';
          return {
            kind: 'status',
            status: 500,
            reason: `can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`,
          };
        }
      }
    }
    return undefined;
  };

  taskFault = (_task: EmulatorTask): string | undefined => {
    if (this.plan.taskFailureRate > 0 && this.random() < this.plan.taskFailureRate) {
      this.injected.tasks += 1;
      return this.plan.taskError;
    }
    return undefined;
  };
}
