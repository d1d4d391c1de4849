import { describe, expect, it } from 'vitest';
import { EngineError } from '../../lib/engine/engine-errors.ts';
import { atResource } from '../../lib/engine/handlers/handler-errors.ts';
import { isTransient } from '../../lib/engine/transient.ts';
import { PveError } from '../../lib/pve/errors.ts';

describe('transient errors', () => {
  it('GIVEN a 5xx or a lock wrapped with the resource path by a handler WHEN judged THEN it is still transient; a refusal or a validation error is not', () => {
    const server = new PveError('PVE_SERVER', 'POST /access/users: 500 Internal Server Error');
    expect(isTransient(server)).toBe(true);
    expect(isTransient(atResource('extras/Ops', server, 'check the user'))).toBe(true);
    const lockTimeout = new PveError(
      'PVE_TASK_FAILED',
      "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout",
    );
    expect(isTransient(atResource('acme/Vm', lockTimeout))).toBe(true);
    expect(isTransient(atResource('extras/Ops', new PveError('PVE_VALIDATION', 'bad value')))).toBe(false);
    expect(isTransient(new EngineError('ENGINE_DATA_LOSS', 'would destroy data'))).toBe(false);
    expect(isTransient(new Error('plain'))).toBe(false);
  });
});
