import { describe, expect, it } from 'vitest';
import {
  defineErrorFamily,
  errorFamilies,
  exitCodeOfCode,
  PvecdkError,
  summarizeThrown,
} from '../../lib/core/error-family.ts';

const DEMO_CODES = { DEMO_BROKEN: 'something is broken', DEMO_LOST: 'something is lost' } as const;

class DemoError extends defineErrorFamily('Demo', DEMO_CODES, { whileRunning: ['DEMO_LOST'] }) {}

describe('error families', () => {
  it('GIVEN a family defined from its code table WHEN one of its errors is made THEN it has its class name, code and hint, and the message holds no hint', () => {
    const cause = new Error('disk full');
    const e = new DemoError('DEMO_BROKEN', 'the widget is broken', 'replace the widget', { cause });
    expect(e).toBeInstanceOf(PvecdkError);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({
      name: 'DemoError',
      code: 'DEMO_BROKEN',
      message: 'the widget is broken',
      hint: 'replace the widget',
      cause,
    });
    expect(errorFamilies()).toContainEqual({
      title: 'Demo',
      codes: DEMO_CODES,
      exitCodes: { DEMO_BROKEN: 2, DEMO_LOST: 1 },
    });
    expect([
      exitCodeOfCode('DEMO_BROKEN'),
      exitCodeOfCode('DEMO_LOST'),
      exitCodeOfCode('NO_SUCH_INTERNAL'),
    ]).toEqual([2, 1, 1]);
    // Only the family's own codes typecheck (tsc runs over the tests too).
    // @ts-expect-error ENGINE_LOCKED is not a Demo code
    expect(new DemoError('ENGINE_LOCKED', 'x').code).toBe('ENGINE_LOCKED');
  });

  it('GIVEN anything thrown WHEN summarized THEN message, code and hint come apart, a plain Error keeping a hint it was given', () => {
    expect(summarizeThrown(new DemoError('DEMO_LOST', 'gone', 'look again'))).toEqual({
      message: 'gone',
      code: 'DEMO_LOST',
      hint: 'look again',
    });
    expect(summarizeThrown(Object.assign(new Error('ENOENT'), { hint: 'fix the path' }))).toEqual({
      message: 'ENOENT',
      hint: 'fix the path',
    });
    expect(summarizeThrown('a string')).toEqual({ message: 'a string' });
  });
});
