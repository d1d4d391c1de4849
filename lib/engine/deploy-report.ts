import type { ResourceChange } from './handlers/handler.ts';

/** What happens to one resource in a deploy, a diff or a destroy. */
export interface ResourceReport {
  readonly stack: string;
  readonly id: string;
  readonly path: string;
  readonly type: string;
  readonly action: ResourceChange['action'] | 'pending';
  readonly changes: ResourceChange['changes'];
  readonly destroysData: boolean;
  status: ResourceStatus;
  error?: string;
  /** Why a resource is not handled yet (guest types before their handlers exist). */
  readonly note?: string;
}

export type ResourceStatus =
  | 'planned'
  | 'done'
  | 'failed'
  | 'skipped'
  | 'cancelled'
  | 'unchanged'
  | 'pending';

export interface DeployReport {
  readonly stacks: readonly string[];
  readonly resources: readonly ResourceReport[];
  readonly ok: boolean;
}

export interface DeploySummary {
  readonly created: number;
  readonly updated: number;
  readonly replaced: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly pending: number;
  readonly failed: number;
  readonly skipped: number;
}

/** Counts by outcome, for the final line and the JSON summary. */
export function summarize(resources: readonly ResourceReport[]): DeploySummary {
  const done = (action: ResourceReport['action']) =>
    resources.filter((r) => r.action === action && r.status === 'done').length;
  const status = (s: ResourceStatus) => resources.filter((r) => r.status === s).length;
  return {
    created: done('create'),
    updated: done('update'),
    replaced: done('replace'),
    deleted: done('delete'),
    unchanged: status('unchanged'),
    pending: status('pending'),
    failed: status('failed'),
    skipped: status('skipped') + status('cancelled'),
  };
}
