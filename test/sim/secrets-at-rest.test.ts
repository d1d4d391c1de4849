import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOKEN_SECRET_FILE } from '../../lib/sim/data-dir-owner.ts';
import { Emulator, seedState, startEmulator } from '../../lib/sim/index.ts';
import { loadState, StatePersister } from '../../lib/sim/state.ts';
import { startTestEmulator } from '../../lib/sim/testing.ts';
import { TOKEN_CFG } from '../../lib/sim/token-secrets.ts';

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

  it('GIVEN API tokens WHEN the state is saved THEN state.json names them without secrets and priv/token.cfg holds the secrets, owner-only', async () => {
    const env = await startTestEmulator();
    try {
      await env.client.request('POST', '/access/users', { userid: 'erin@pve' });
      const made = (await env.client.request('POST', '/access/users/erin@pve/token/ci', {})) as {
        value: string;
      };
      await env.server.close();
      const dir = env.server.dataDir;
      const saved = readFileSync(join(dir, 'state.json'), 'utf8');
      expect(saved).not.toContain(made.value);
      expect(saved).not.toContain(env.server.tokenSecret);
      const state = JSON.parse(saved) as { tokens: Record<string, object> };
      expect(state.tokens['erin@pve!ci']).toBeDefined();
      expect(state.tokens['erin@pve!ci']).not.toHaveProperty('secret');
      const cfg = readFileSync(join(dir, TOKEN_CFG), 'utf8');
      expect(cfg).toContain(`erin@pve!ci ${made.value}\n`);
      expect(cfg).toContain(`root@pam!pvecdk ${env.server.tokenSecret}\n`);
      expect(modeOf(join(dir, TOKEN_CFG))).toBe(0o600);
      expect(modeOf(join(dir, 'priv'))).toBe(0o700);
    } finally {
      await env.close();
    }
  });

  it('GIVEN a saved data dir WHEN the emulator starts on it again THEN its tokens authenticate with the secrets from priv/token.cfg', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pvecdk-token-cfg-'));
    const first = await startEmulator({ port: 0, dataDir, latencyScale: 0 });
    const secret = first.tokenSecret;
    await first.close();
    const again = await startEmulator({ port: 0, dataDir, latencyScale: 0 });
    try {
      expect(again.emulator.state.tokens['root@pam!pvecdk']!.secret).toBe(secret);
      const answer = again.emulator.handle({
        method: 'GET',
        url: '/api2/json/version',
        headers: { authorization: `PVEAPIToken=root@pam!pvecdk=${secret}` },
        body: '',
      });
      expect(answer.status).toBe(200);
    } finally {
      await again.close();
    }
  });

  it('GIVEN a state.json written before the split, with secrets inline WHEN loaded and saved THEN the secrets move to priv/token.cfg; a token with no saved secret never authenticates', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pvecdk-token-cfg-'));
    const old = seedState();
    old.tokens['root@pam!pvecdk']!.secret = 'inline-secret-0001';
    old.tokens['root@pam!orphan'] = { secret: '', privsep: 0 };
    writeFileSync(join(dataDir, 'state.json'), JSON.stringify(old));
    const loaded = loadState(dataDir, seedState);
    expect(loaded.tokens['root@pam!pvecdk']!.secret).toBe('inline-secret-0001');
    const persister = new StatePersister(dataDir, () => loaded);
    persister.flush();
    expect(readFileSync(join(dataDir, 'state.json'), 'utf8')).not.toContain('inline-secret-0001');
    expect(readFileSync(join(dataDir, TOKEN_CFG), 'utf8')).toBe('root@pam!pvecdk inline-secret-0001\n');
    const emulator = new Emulator(loadState(dataDir, seedState), { latencyScale: 0 });
    const status = (authorization: string) =>
      emulator.handle({ method: 'GET', url: '/api2/json/version', headers: { authorization }, body: '' })
        .status;
    expect(status('PVEAPIToken=root@pam!pvecdk=inline-secret-0001')).toBe(200);
    expect(status('PVEAPIToken=root@pam!orphan=')).toBe(401);
    expect(status('PVEAPIToken=root@pam!orphan= ')).toBe(401);
  });

  it('GIVEN a malformed priv/token.cfg WHEN loaded THEN EMULATOR_STATE names the file and line', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pvecdk-token-cfg-'));
    new StatePersister(dataDir, seedState).flush();
    writeFileSync(join(dataDir, TOKEN_CFG), 'root@pam!pvecdk\n');
    expect(() => loadState(dataDir, seedState)).toThrow(
      expect.objectContaining({ code: 'EMULATOR_STATE', message: expect.stringContaining('line 1') }),
    );
  });
});
