import { describe, expect, it } from 'vitest';
import { confirmDestructive, Declined } from '../../lib/cli/commands/confirm.ts';
import { describeResource } from '../../lib/cli/output/format.ts';
import { JsonProgress } from '../../lib/cli/output/json-progress.ts';
import { LineProgress } from '../../lib/cli/output/line-progress.ts';
import { LiveProgress } from '../../lib/cli/output/live-progress.ts';
import { showValue } from '../../lib/cli/output/property-lines.ts';
import { failureFields, type ResourceReport } from '../../lib/engine/deploy-report.ts';
import { EngineError } from '../../lib/engine/engine-errors.ts';

const REMOTE = { name: 'default', emulator: true, url: 'https://127.0.0.1:8006' };

function resource(
  id: string,
  action: ResourceReport['action'],
  extra: Partial<ResourceReport> = {},
): ResourceReport {
  return {
    stack: 'acme',
    id,
    path: `acme/${id}`,
    type: 'proxmox_virtual_environment_vm',
    action,
    changes: [],
    destroysData: false,
    status: action === 'no-op' ? 'unchanged' : 'planned',
    ...extra,
  };
}

/** A terminal of `rows` lines that keeps what was written. */
function fakeTerminal(rows: number) {
  const writes: string[] = [];
  const stream = {
    isTTY: true,
    columns: 120,
    rows,
    write: (chunk: string) => {
      writes.push(String(chunk));
      return true;
    },
    on: () => stream,
    off: () => stream,
    once: () => stream,
    removeListener: () => stream,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

describe('progress output', () => {
  it('GIVEN a terminal WHEN resources wait, run, finish and fail THEN the live view shows one line each with its state and the header counts', () => {
    const term = fakeTerminal(30);
    const out: string[] = [];
    const view = new LiveProgress(term.stream, (l) => out.push(l), 'Deployed');
    const vm = resource('Vm', 'create');
    const pool = resource('Pool', 'create');
    const rules = resource('Rules', 'update');
    view.changes('acme', [vm, pool, rules, resource('Same', 'no-op')]);
    view.event('acme', { type: 'running', id: 'Pool', elapsedMs: 0 }, pool);
    view.event('acme', { type: 'done', id: 'Pool', elapsedMs: 400 }, pool);
    view.event('acme', { type: 'running', id: 'Vm', elapsedMs: 0 }, vm);
    view.event(
      'acme',
      { type: 'failed', id: 'Rules', elapsedMs: 1200, error: new Error('POST /x: 500 boom') },
      rules,
    );
    const frame = term.writes.join('');
    expect(frame).toContain('Deploying 2/3 · 1 running · 1 failed');
    expect(frame).toMatch(/✔ \+ acme\/Pool\s+create\s+done\s+0\.4s/);
    expect(frame).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \+ acme\/Vm\s+create\s+running/);
    expect(frame).toMatch(/✖ ~ acme\/Rules\s+update\s+failed\s+1\.2s\s+POST \/x: 500 boom/);
    expect(frame).not.toContain('acme/Same');
    expect(out).toEqual(['stack acme: 3 to change, 1 unchanged']);

    vm.status = 'done';
    pool.status = 'done';
    rules.status = 'failed';
    rules.error = 'POST /x: 500 boom';
    view.finish({ stacks: ['acme'], resources: [vm, pool, rules], ok: false }, 2500);
    expect(out.slice(1)).toEqual([
      '  ✖ acme/Rules: POST /x: 500 boom',
      'Deploy FAILED: acme (created 2, updated 0, replaced 0, deleted 0, unchanged 0, pending 0, failed 1, skipped 0, in 2.5 s)',
    ]);
  });

  it('GIVEN more resources than the terminal has lines WHEN drawn THEN running and failed come first and the rest is folded into a count', () => {
    const term = fakeTerminal(8);
    const view = new LiveProgress(term.stream, () => undefined, 'Deployed');
    const many = Array.from({ length: 20 }, (_, i) => resource(`R${String(i).padStart(2, '0')}`, 'create'));
    view.changes('acme', many);
    view.event('acme', { type: 'running', id: 'R19', elapsedMs: 0 }, many[19]);
    view.abort();
    const last = term.writes.join('').split('Deploying').at(-1)!;
    expect(last).toContain('acme/R19');
    expect(last).toMatch(/… 16 more \(0 done\)/);
  });

  it('GIVEN no terminal WHEN a plan and events come THEN the plan lists what changes with its properties, then plain lines are written for finished, failed, retried and skipped actions only', () => {
    const out: string[] = [];
    const view = new LineProgress((l) => out.push(l), 'Deployed');
    const vm = resource('Vm', 'create', {
      listsProperties: true,
      changes: [{ key: 'cpu.cores', api: 'cores', to: 4, from: undefined, forcesReplacement: false }],
    });
    view.changes('acme', [vm, resource('Same', 'no-op')]);
    view.event('acme', { type: 'running', id: 'Vm', elapsedMs: 0 }, vm);
    view.event(
      'acme',
      { type: 'retrying', id: 'Vm', attempt: 1, error: new Error('locked'), elapsedMs: 10 },
      vm,
    );
    view.step('acme', 'acme/Vm', 'snapshot pvecdk-1a2b3c4d-20261125-101500-000 taken');
    view.event('acme', { type: 'done', id: 'Vm', elapsedMs: 3100 }, vm);
    expect(out).toEqual([
      'stack acme: 1 to change, 1 unchanged',
      '  + acme/Vm [proxmox_virtual_environment_vm] create\n      cpu.cores (Proxmox: cores): 4',
      '  [acme] + acme/Vm create retrying (attempt 2): locked',
      '  [acme] acme/Vm: snapshot pvecdk-1a2b3c4d-20261125-101500-000 taken',
      '  [acme] + acme/Vm create done 3.1s',
    ]);
  });

  it('GIVEN --json WHEN events come THEN each is one parseable line with the resource path and status', () => {
    const out: string[] = [];
    const view = new JsonProgress((l) => out.push(l), REMOTE);
    const vm = resource('Vm', 'create');
    view.changes('acme', [vm]);
    view.event('acme', { type: 'failed', id: 'Vm', elapsedMs: 12.4, error: new Error('no space') }, vm);
    const [plan, event] = out.map((l) => JSON.parse(l));
    expect(plan).toMatchObject({ type: 'plan', stack: 'acme', resources: [{ path: 'acme/Vm' }] });
    expect(event).toEqual({
      type: 'resource',
      stack: 'acme',
      id: 'Vm',
      path: 'acme/Vm',
      action: 'create',
      status: 'failed',
      elapsedMs: 12,
      error: 'no space',
    });
  });

  it('GIVEN a failure with a code and a hint WHEN shown as lines, in the diff and as JSON THEN the hint is under the message, and JSON keeps all three apart', () => {
    const failure = new EngineError(
      'ENGINE_NOT_OWNED',
      'acme/Vm: not created by pvecdk',
      'give it another id',
    );
    const vm = resource('Vm', 'create', { status: 'failed', ...failureFields(failure) });
    const lines: string[] = [];
    new LineProgress((l) => lines.push(l), 'Deployed').event(
      'acme',
      { type: 'failed', id: 'Vm', elapsedMs: 1000, error: failure },
      vm,
    );
    expect(lines).toEqual([
      '  [acme] + acme/Vm create FAILED after 1.0s: ENGINE_NOT_OWNED: acme/Vm: not created by pvecdk\n        hint: give it another id',
    ]);
    expect(describeResource(vm)).toBe(
      '  + acme/Vm [proxmox_virtual_environment_vm] create\n      ENGINE_NOT_OWNED: acme/Vm: not created by pvecdk\n        hint: give it another id',
    );
    const json: string[] = [];
    new JsonProgress((l) => json.push(l), REMOTE).event(
      'acme',
      { type: 'failed', id: 'Vm', elapsedMs: 1000, error: failure },
      vm,
    );
    expect(JSON.parse(json[0]!)).toMatchObject({
      error: 'acme/Vm: not created by pvecdk',
      code: 'ENGINE_NOT_OWNED',
      hint: 'give it another id',
    });
    expect(vm).toMatchObject({
      error: 'acme/Vm: not created by pvecdk',
      errorCode: 'ENGINE_NOT_OWNED',
      hint: 'give it another id',
    });
  });

  it('GIVEN secret references and sensitive keys WHEN shown in a diff THEN no value appears in clear', () => {
    expect(showValue('password', { secret: 'env:ACME_PW' })).toBe('(secret env:ACME_PW)');
    expect(showValue('cipassword', 'hunter2')).toBe('(sensitive)');
    expect(showValue('memory', 4096)).toBe('4096');
    expect(showValue('description', undefined)).toBe('(unset)');
  });

  it('GIVEN destructive changes WHEN an operator can be asked THEN the question shows what is replaced (and why) and deleted, a no stops the deploy, and without anyone to ask nothing is asked', async () => {
    const why = {
      key: 'disk[0]',
      api: 'scsi1',
      from: 'local-lvm:100',
      to: 'other-lvm:100',
      forcesReplacement: true,
    };
    const lossy = [
      resource('Vm', 'replace', { destroysData: true, changes: [why] }),
      resource('Job', 'delete'),
      resource('Pool', 'update'),
    ];
    const questions: string[] = [];
    const no = async (q: string) => {
      questions.push(q);
      return false;
    };
    await expect(confirmDestructive('acme', lossy, no, false)).rejects.toBeInstanceOf(Declined);
    expect(questions).toEqual([
      [
        '  ± acme/Vm [proxmox_virtual_environment_vm] replace  DESTROYS DATA',
        '      disk[0] (Proxmox: scsi1): "local-lvm:100" → "other-lvm:100"  (forces replacement)',
        '  - acme/Job [proxmox_virtual_environment_vm] delete',
        'acme: this will delete 1 and replace 1 resource(s), destroying the data of acme/Vm. Proceed? [y/N] ',
      ].join('\n'),
    ]);
    await expect(confirmDestructive('acme', lossy, async () => true, false)).resolves.toBeUndefined();
    // Only creates and updates: deploy does not ask; destroy always does.
    await expect(confirmDestructive('acme', [resource('Vm', 'create')], no, false)).resolves.toBeUndefined();
    await expect(confirmDestructive('acme', [resource('Vm', 'delete')], no, true)).rejects.toBeInstanceOf(
      Declined,
    );
    // Nobody to ask (no terminal, --yes, --json): never prompts, never blocks.
    await expect(confirmDestructive('acme', lossy, undefined, true)).resolves.toBeUndefined();
  });
});
