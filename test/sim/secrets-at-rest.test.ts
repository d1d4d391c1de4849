import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOKEN_SECRET_FILE } from '../../lib/sim/data-dir-owner.ts';
import { startTestEmulator } from '../../lib/sim/testing.ts';

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe('secrets in the emulator data dir (priv/shadow.cfg, priv/token.cfg)', () => {
  it('GIVEN a user created with a password WHEN the state is saved THEN state.json holds a salted hash, never the password', async () => {
    const env = await startTestEmulator();
    try {
      const password = 'correct horse battery';
      await env.client.request('POST', '/access/users', { userid: 'alice@pve', password });
      await env.client.request('POST', '/access/users', { userid: 'bob@pve', password });
      await env.server.close();
      const saved = readFileSync(join(env.server.dataDir, 'state.json'), 'utf8');
      expect(saved).not.toContain(password);
      const state = JSON.parse(saved) as { shadow: Record<string, string>; users: Record<string, object> };
      expect(state.users['alice@pve']).not.toHaveProperty('password');
      expect(state.shadow['alice@pve']).toMatch(/^scrypt\$[^$]+\$[^$]+$/);
      // Salted: the same password hashes differently for two users.
      expect(state.shadow['alice@pve']).not.toBe(state.shadow['bob@pve']);
    } finally {
      await env.close();
    }
  });

  it('GIVEN a password WHEN a ticket is asked THEN the right one is accepted and a wrong one refused', async () => {
    const env = await startTestEmulator({ latencyScale: 0 });
    try {
      await env.client.request('POST', '/access/users', { userid: 'carol@pve', password: 'right password' });
      const ticket = (await env.client.request('POST', '/access/ticket', {
        username: 'carol@pve',
        password: 'right password',
      })) as { username: string };
      expect(ticket.username).toBe('carol@pve');
      await expect(
        env.client.request('POST', '/access/ticket', { username: 'carol@pve', password: 'wrong password' }),
      ).rejects.toThrow(/authentication failure|401/);
    } finally {
      await env.close();
    }
  });

  it('GIVEN API tokens WHEN the state and the root token secret are saved THEN only the owner can read them, in a directory only the owner can enter', async () => {
    const env = await startTestEmulator();
    try {
      await env.client.request('POST', '/access/users', { userid: 'dave@pve' });
      await env.client.request('POST', '/access/users/dave@pve/token/ci', {});
      await env.server.close();
      const dir = env.server.dataDir;
      expect(modeOf(join(dir, 'state.json'))).toBe(0o600);
      expect(modeOf(join(dir, TOKEN_SECRET_FILE))).toBe(0o600);
      expect(modeOf(dir) & 0o077).toBe(0);
    } finally {
      await env.close();
    }
  });
});
