import { isPlanSecret } from '../../contract/plan-values.ts';
import type { DeploySummary, ResourceReport } from '../../engine/deploy-report.ts';
import type { PropertyChange } from '../../engine/handlers/handler.ts';
import { hintLine } from './error-output.ts';

/** One character per action, as in the diff. */
export const ACTION_SYMBOL: Readonly<Record<ResourceReport['action'], string>> = {
  create: '+',
  update: '~',
  replace: '±',
  delete: '-',
  'no-op': '=',
  pending: '…',
};

const SENSITIVE_KEY = /pass(word)?|secret|token|private|psk|cipassword/i;

/** A value as a diff shows it: secret references by name only, sensitive keys never in clear. */
export function showValue(key: string, value: unknown): string {
  if (value === undefined || value === null) return '(unset)';
  if (isPlanSecret(value)) return `(secret ${value.secret})`;
  if (SENSITIVE_KEY.test(key)) return '(sensitive)';
  return JSON.stringify(value) ?? String(value);
}

export function showChange(c: PropertyChange): string {
  return `${c.key}: ${showValue(c.key, c.from)} → ${showValue(c.key, c.to)}${c.forcesReplacement ? '  (forces replacement)' : ''}`;
}

/** A resource with its action and, indented, its property changes. */
export function describeResource(r: ResourceReport): string {
  const note = r.note ? `  (${r.note})` : '';
  const loss = r.destroysData ? '  DESTROYS DATA' : '';
  const failed =
    r.status === 'failed' && r.error
      ? `\n      ${`${r.errorCode ? `${r.errorCode}: ` : ''}${r.error}${hintLine(r.hint)}`.split('\n').join('\n      ')}`
      : '';
  return [
    `  ${ACTION_SYMBOL[r.action]} ${r.path} [${r.type}] ${r.action}${loss}${note}${failed}`,
    ...r.changes.map((c) => `      ${showChange(c)}`),
  ].join('\n');
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function formatSummary(s: DeploySummary, wallMs: number): string {
  return [
    `created ${s.created}`,
    `updated ${s.updated}`,
    `replaced ${s.replaced}`,
    `deleted ${s.deleted}`,
    `unchanged ${s.unchanged}`,
    `pending ${s.pending}`,
    `failed ${s.failed}`,
    `skipped ${s.skipped}`,
    `in ${(wallMs / 1000).toFixed(1)} s`,
  ].join(', ');
}

/** The resources that something happens to (not unchanged, not waiting for a guest handler). */
export function isActionable(r: ResourceReport): boolean {
  return r.action !== 'no-op' && r.action !== 'pending' && r.status !== 'unchanged';
}
