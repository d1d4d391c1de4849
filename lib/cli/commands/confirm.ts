import type { ResourceReport } from '../../engine/deploy-report.ts';
import { type Palette, PLAIN } from '../output/colour.ts';
import { describeResource } from '../output/format.ts';

/** The operator answered no: nothing was changed. */
export class Declined extends Error {
  constructor(stack: string) {
    super(`not confirmed: nothing in ${stack} was changed`);
    this.name = 'Declined';
  }
}

/** Asks before a stack's destructive changes: only on a terminal, never with --yes or --json. */
export async function confirmDestructive(
  stack: string,
  resources: readonly ResourceReport[],
  ask: ((question: string) => Promise<boolean>) | undefined,
  always: boolean,
  palette: Palette = PLAIN,
): Promise<void> {
  if (!ask) return;
  const deletes = resources.filter((r) => r.action === 'delete').length;
  const replaces = resources.filter((r) => r.action === 'replace').length;
  if (!always && deletes + replaces === 0) return;
  const parts = [deletes ? `delete ${deletes}` : '', replaces ? `replace ${replaces}` : ''].filter(Boolean);
  const lossy = resources.filter((r) => r.destroysData).map((r) => r.path);
  // What goes and what is replaced (and why), above the question: the operator confirms what they have seen.
  const shown = resources
    .filter((r) => r.action === 'delete' || r.action === 'replace')
    .map((r) => describeResource(r, palette));
  const question = `${shown.map((d) => `${d}\n`).join('')}${stack}: this will ${parts.join(' and ') || 'change'} resource(s)${lossy.length ? `, destroying the data of ${lossy.join(', ')}` : ''}. Proceed? [y/N] `;
  if (!(await ask(question))) throw new Declined(stack);
}
