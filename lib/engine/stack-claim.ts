import { EngineError } from './engine-errors.ts';
import type { StackOrigin, StateStore } from './state-store.ts';

/**
 * Whether this run may change a stack: a stack's state says which stack file
 * (and App) deployed it, and a different file declaring a stack of the same
 * name (a copied customer file that kept the name) must not take it over,
 * nor delete what the original declares. A deliberate move is `takeover`.
 * Returns the origin to record when the state has none or moves.
 */
export function checkStackClaim(
  stack: string,
  state: StateStore,
  origin: StackOrigin | undefined,
  takeover: boolean,
): StackOrigin | undefined {
  if (!origin) return undefined;
  const recorded = state.state.origin;
  if (!recorded) return origin;
  if (recorded.file === origin.file && recorded.app === origin.app) return undefined;
  if (takeover) return origin;
  const what =
    recorded.file !== origin.file
      ? `${origin.file} declares stack ${stack}, which ${recorded.file} deployed`
      : `stack ${stack} was deployed by the App of ${recorded.app}; this one's App is in ${origin.app}`;
  throw new EngineError(
    'ENGINE_STACK_CLAIMED',
    `${what}: this file would change (and delete) what the other one declares`,
    `if the file was copied, give its stack another name (e.g. the customer's); to move stack ${stack} to ${origin.file} on purpose, run again with --takeover`,
  );
}
