import { describe, expect, it } from 'vitest';
import { StackFileError } from '../../lib/cli/errors.ts';
import { errorAsJson, exitCodeOf, formatError } from '../../lib/cli/output/error-output.ts';
import { ConstructError } from '../../lib/core/errors.ts';
import { ValidationError } from '../../lib/core/validation.ts';
import { EngineError } from '../../lib/engine/engine-errors.ts';

describe('CLI error output', () => {
  it('GIVEN a coded error with a hint WHEN formatted THEN the hint is on its own line under the message, which holds none', () => {
    const e = new EngineError(
      'ENGINE_LOCKED',
      'stack acme on prod is locked',
      'wait for it to finish\nor force it',
    );
    expect(e.message).toBe('stack acme on prod is locked');
    expect(formatError(e, false)).toBe(
      'error ENGINE_LOCKED: stack acme on prod is locked\n  hint: wait for it to finish\n        or force it',
    );
    expect(errorAsJson(e)).toEqual({
      type: 'error',
      code: 'ENGINE_LOCKED',
      message: 'stack acme on prod is locked',
      hint: 'wait for it to finish\nor force it',
    });
  });

  it('GIVEN a validation error raised in a stack file WHEN formatted THEN the line comes first and each issue has its own hint', () => {
    const issues = [
      { path: 's/A', message: 'bad', hint: 'remove it', rule: 'TEST-RULE' },
      { path: 's/B', message: 'worse' },
    ];
    const e = new StackFileError(new ValidationError(issues), 'stacks/s.ts:3');
    expect(formatError(e, false)).toBe(
      [
        'error SYNTH_VALIDATION: stacks/s.ts:3: synthesis failed with 2 errors:',
        '  [s/A] bad (TEST-RULE)',
        '      hint: remove it',
        '  [s/B] worse',
      ].join('\n'),
    );
    expect(errorAsJson(e)).toMatchObject({ code: 'SYNTH_VALIDATION', location: 'stacks/s.ts:3', issues });
  });

  it('GIVEN a construct mistake located in a stack file WHEN given as JSON THEN code, path, location and hint are separate fields', () => {
    const e = new StackFileError(
      new ConstructError('acme/Db', 'SYNTH_OUT_OF_RANGE', 'address outside the LAN', 'pick another'),
      'stacks/acme.ts:4',
    );
    expect(errorAsJson(e)).toEqual({
      type: 'error',
      code: 'SYNTH_OUT_OF_RANGE',
      message: 'stacks/acme.ts:4: acme/Db: address outside the LAN',
      hint: 'pick another',
      constructPath: 'acme/Db',
      location: 'stacks/acme.ts:4',
    });
  });

  it('GIVEN errors of each kind WHEN the exit code is chosen THEN 2 for a coded error, 1 for a bug or an uncoded error', () => {
    expect(exitCodeOf(new EngineError('ENGINE_LOCKED', 'locked'))).toBe(2);
    expect(exitCodeOf(new EngineError('ENGINE_INTERNAL', 'graph not sound'))).toBe(1);
    expect(exitCodeOf(new TypeError('x is undefined'))).toBe(1);
    expect(formatError('thrown text', false)).toMatch(
      /^internal error: thrown text\n {2}this is a bug in pvecdk/,
    );
    expect(errorAsJson('thrown text')).toEqual({ type: 'error', internal: true, message: 'thrown text' });
  });
});
