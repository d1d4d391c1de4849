import { planTypeOf } from '../../contract/registry.ts';
import type { DeploySummary, ResourceReport } from '../../engine/deploy-report.ts';
import { type Palette, PLAIN } from './colour.ts';
import { hintLine } from './error-output.ts';
import { propertyLines } from './property-lines.ts';

/** One character per action, as in the diff. */
export const ACTION_SYMBOL: Readonly<Record<ResourceReport['action'], string>> = {
  create: '+',
  update: '~',
  replace: '±',
  delete: '-',
  'no-op': '=',
  pending: '…',
};

/** The colour of each action's line: what is added green, what goes red, as in the diffs operators know. */
export function actionPaint(action: ResourceReport['action'], palette: Palette): (text: string) => string {
  switch (action) {
    case 'create':
      return palette.added;
    case 'delete':
      return palette.removed;
    case 'update':
      return palette.changed;
    case 'replace':
      return palette.replaced;
    default:
      return palette.dim;
  }
}

/** A resource with its action and, indented, its property changes (or, created, every property it gets). */
export function describeResource(r: ResourceReport, palette: Palette = PLAIN): string {
  const schema = planTypeOf(r.type)?.plan;
  const note = r.note ? `  (${r.note})` : '';
  const loss = r.destroysData ? `  ${palette.danger('DESTROYS DATA')}` : '';
  const failed =
    r.status === 'failed' && r.error
      ? `\n      ${`${palette.failed(`${r.errorCode ? `${r.errorCode}: ` : ''}${r.error}`)}${hintLine(r.hint)}`.split('\n').join('\n      ')}`
      : '';
  const paint = actionPaint(r.action, palette);
  return [
    `  ${paint(`${ACTION_SYMBOL[r.action]} ${r.path}`)} [${r.type}] ${paint(r.action)}${loss}${note}${failed}`,
    ...r.changes.flatMap((c) =>
      propertyLines(c, schema, r.listsProperties === true).map((line) => `      ${line}`),
    ),
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
