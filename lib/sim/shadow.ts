import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { EmulatorState } from './state.ts';

declare module './state.ts' {
  interface EmulatorState {
    /**
     * Salted password hashes by user id, as Proxmox keeps them apart from
     * user.cfg in priv/shadow.cfg (there crypt(3) SHA-256, here scrypt:
     * `scrypt$<salt>$<hash>`, base64). A password is never kept in clear.
     */
    shadow?: Record<string, string>;
  }
}

const KEY_LENGTH = 32;

function hash(password: string, salt: Buffer): Buffer {
  return scryptSync(password, salt, KEY_LENGTH);
}

/** Sets a user's password: only its salted hash is kept. */
export function setUserPassword(state: EmulatorState, userid: string, password: string): void {
  const salt = randomBytes(16);
  state.shadow = {
    ...state.shadow,
    [userid]: `scrypt$${salt.toString('base64')}$${hash(password, salt).toString('base64')}`,
  };
}

/** Whether `password` is the user's (false when it has none). */
export function checkUserPassword(state: EmulatorState, userid: string, password: string): boolean {
  const entry = state.shadow && Object.hasOwn(state.shadow, userid) ? state.shadow[userid] : undefined;
  const m = /^scrypt\$([^$]+)\$([^$]+)$/.exec(entry ?? '');
  if (!m) return false;
  const expected = Buffer.from(m[2]!, 'base64');
  const got = hash(password, Buffer.from(m[1]!, 'base64'));
  return expected.length === got.length && timingSafeEqual(expected, got);
}

export function forgetUserPassword(state: EmulatorState, userid: string): void {
  if (state.shadow) delete state.shadow[userid];
}

/**
 * Moves passwords a state from an earlier emulator kept in clear (a user's
 * `password`) into the shadow, hashed. Returns whether anything moved.
 */
export function hashClearPasswords(state: EmulatorState): boolean {
  let moved = false;
  for (const [userid, user] of Object.entries(state.users)) {
    if (user.password === undefined) continue;
    setUserPassword(state, userid, user.password);
    delete user.password;
    moved = true;
  }
  return moved;
}
