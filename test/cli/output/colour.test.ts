import { describe, expect, it } from 'vitest';
import { CliError } from '../../../lib/cli/errors.ts';
import { COLOURED, colourWanted, PLAIN, stripColour } from '../../../lib/cli/output/colour.ts';
import { formatError } from '../../../lib/cli/output/error-output.ts';
import { describeResource } from '../../../lib/cli/output/format.ts';
import { LineProgress } from '../../../lib/cli/output/line-progress.ts';
import type { ResourceReport } from '../../../lib/engine/deploy-report.ts';

const tty = { isTTY: true };
const pipe = { isTTY: false };
const ESC = '\u001b[';

const vm = (action: ResourceReport['action'], extra: Partial<ResourceReport> = {}): ResourceReport => ({
  stack: 'acme',
  id: 'Vm',
  path: 'acme/Vm',
  type: 'proxmox_virtual_environment_vm',
  action,
  changes: [],
  destroysData: false,
  status: 'planned',
  ...extra,
});

describe('colour', () => {
  it('GIVEN a terminal WHEN nothing is set THEN output is coloured; GIVEN a pipe THEN it is not', () => {
    expect(colourWanted(tty, {})).toBe(true);
    expect(colourWanted(pipe, {})).toBe(false);
    expect(colourWanted(undefined, {})).toBe(false);
  });

  it('GIVEN NO_COLOR WHEN the output is a terminal THEN there is no colour, whatever FORCE_COLOR says', () => {
    expect(colourWanted(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourWanted(tty, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    // An empty NO_COLOR is "not set", as no-color.org says.
    expect(colourWanted(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('GIVEN FORCE_COLOR WHEN the output is a pipe THEN it is coloured, unless FORCE_COLOR is 0 or false', () => {
    expect(colourWanted(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourWanted(pipe, { FORCE_COLOR: '' })).toBe(true);
    expect(colourWanted(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourWanted(tty, { FORCE_COLOR: 'false' })).toBe(false);
  });

  it('GIVEN TERM=dumb WHEN the output is a terminal THEN there is no colour', () => {
    expect(colourWanted(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('GIVEN the coloured palette WHEN a resource is described THEN the action is coloured and the text is the plain one', () => {
    const created = describeResource(vm('create'), COLOURED);
    const deleted = describeResource(vm('delete', { destroysData: true }), COLOURED);
    expect(created).toContain(`${ESC}32m+ acme/Vm${ESC}39m`);
    expect(deleted).toContain(`${ESC}31m- acme/Vm${ESC}39m`);
    expect(deleted).toContain(`${ESC}1m${ESC}31mDESTROYS DATA${ESC}39m${ESC}22m`);
    expect(stripColour(deleted)).toBe(describeResource(vm('delete', { destroysData: true }), PLAIN));
  });

  it('GIVEN the plain palette WHEN lines and errors are printed THEN they hold no escape sequence', () => {
    const out: string[] = [];
    const lines = new LineProgress((l) => out.push(l), 'Deployed', { palette: PLAIN });
    const r = vm('create');
    lines.changes('acme', [r]);
    lines.event('acme', { type: 'done', id: 'Vm', elapsedMs: 1000 }, r);
    lines.finish({ stacks: ['acme'], resources: [{ ...r, status: 'done' }], ok: true }, 1000);
    out.push(formatError(new CliError('CLI_USAGE', 'bad', 'fix it'), false));
    expect(out.join('\n')).not.toContain(ESC);
  });

  it('GIVEN the coloured palette WHEN a deploy line and an error are printed THEN done is green and the error code red', () => {
    const out: string[] = [];
    const lines = new LineProgress((l) => out.push(l), 'Deployed', { palette: COLOURED });
    lines.event('acme', { type: 'done', id: 'Vm', elapsedMs: 1000 }, vm('create'));
    expect(out[0]).toContain(`${ESC}32mdone${ESC}39m`);
    expect(formatError(new CliError('CLI_USAGE', 'bad'), false, COLOURED)).toBe(
      `${ESC}31merror CLI_USAGE:${ESC}39m bad`,
    );
  });
});
