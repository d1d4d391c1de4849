import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/private/atomic-file.ts';
import { EmulatorError } from './emulator-errors.ts';
import type { EmulatorState } from './state.ts';

/**
 * API token secrets live apart from the rest of the emulator's state, as
 * Proxmox keeps them in /etc/pve/priv/token.cfg (one `<tokenid> <secret>`
 * line per token, readable by root only) while user.cfg names the tokens:
 * here `priv/token.cfg` in the data dir, the file owner-only in an
 * owner-only folder, and state.json lists tokens without their secrets.
 */
export const TOKEN_CFG = join('priv', 'token.cfg');

/** The state as state.json keeps it: every token without its secret. */
export function withoutTokenSecrets(state: EmulatorState): EmulatorState {
  const tokens = Object.fromEntries(
    Object.entries(state.tokens).map(([id, { secret: _secret, ...rest }]) => [id, rest]),
  );
  return { ...state, tokens } as EmulatorState;
}

/** priv/token.cfg's text for the state's tokens: one `<tokenid> <secret>` line each, sorted. */
export function tokenCfgText(state: EmulatorState): string {
  return Object.entries(state.tokens)
    .filter(([, t]) => t.secret)
    .map(([id, t]) => `${id} ${t.secret}\n`)
    .sort()
    .join('');
}

/** Writes priv/token.cfg (before state.json names the tokens), its folder owner-only. */
export function writeTokenSecrets(dataDir: string, text: string): void {
  const dir = join(dataDir, 'priv');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  writeFileAtomic(join(dataDir, TOKEN_CFG), text, 0o600);
}

const LINE = /^(\S+@\S+!\S+) (\S+)$/;

/**
 * Gives the tokens state.json names their secrets from priv/token.cfg. A
 * token the file does not list keeps an empty secret, which never
 * authenticates (Proxmox: a token without a token.cfg entry fails). A state
 * written before the split still holds its secrets inline: they are kept,
 * and the next save moves them. Returns whether such secrets were found.
 */
export function readTokenSecrets(dataDir: string, state: EmulatorState): boolean {
  const file = join(dataDir, TOKEN_CFG);
  const inline = Object.values(state.tokens).some((t) => typeof t.secret === 'string' && t.secret !== '');
  const secrets = new Map<string, string>();
  if (existsSync(file))
    for (const [n, line] of readFileSync(file, 'utf8').split('\n').entries()) {
      if (line === '') continue;
      const m = LINE.exec(line);
      if (!m)
        throw new EmulatorError(
          'EMULATOR_STATE',
          `${file}: line ${n + 1} is not '<tokenid> <secret>'`,
          'start the emulator with --reset (its state is then seeded anew), or mend the line',
        );
      secrets.set(m[1]!, m[2]!);
    }
  for (const [id, token] of Object.entries(state.tokens))
    token.secret = secrets.get(id) ?? (typeof token.secret === 'string' ? token.secret : '');
  return inline;
}
