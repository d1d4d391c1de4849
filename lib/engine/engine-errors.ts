import { PvecdkError } from '../core/errors.ts';

/** Errors of the deploy engine's own bookkeeping: state and locks. */
export const ENGINE_ERROR_CODES = {
  ENGINE_STATE_CORRUPT: 'a state file cannot be read or does not match the state format',
  ENGINE_LOCKED: 'another deploy of the same stack holds the lock',
} as const;

export type EngineErrorCode = keyof typeof ENGINE_ERROR_CODES;

export class EngineError extends PvecdkError {
  constructor(code: EngineErrorCode, message: string, hint?: string) {
    super(code, message, hint);
    this.name = 'EngineError';
  }
}
