import { summarizeThrown } from '../core/error-family.ts';
import type { ResourceChange } from './handlers/handler.ts';

/** What happens to one resource in a deploy, a diff or a destroy. */
export interface ResourceReport {
  readonly stack: string;
  readonly id: string;
  readonly path: string;
  readonly type: string;
  readonly action: ResourceChange['action'] | 'pending';
  readonly changes: ResourceChange['changes'];
  /**
   * `changes` list every property the plan gives it, from nothing: it is
   * created, or it has no handler yet and state records nothing of it.
   * Otherwise they are what differs.
   */
  readonly listsProperties?: boolean;
  readonly destroysData: boolean;
  status: ResourceStatus;
  /** Why it failed or was skipped: the error's message, without its hint. */
  error?: string;
  /** The failure's stable code, when the error has one. */
  errorCode?: string;
  /** What to do about the failure; the CLI shows it under the error. */
  hint?: string;
  /** Why a resource is not handled yet (guest types before their handlers exist). */
  readonly note?: string;
}

/**
 * A failure as report fields, kept as data: message (after `prefix`), code and
 * hint apart, so the CLI can show the hint under the error and --json keeps all three.
 */
export function failureFields(
  error: unknown,
  prefix = '',
): Pick<ResourceReport, 'error' | 'errorCode' | 'hint'> {
  const { message, code, hint } = summarizeThrown(error);
  return {
    error: `${prefix}${message}`,
    ...(code !== undefined ? { errorCode: code } : {}),
    ...(hint !== undefined ? { hint } : {}),
  };
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
  /** The run was stopped (Ctrl-C): what had not started was cancelled, what ran finished and is recorded. */
  readonly interrupted?: boolean;
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
