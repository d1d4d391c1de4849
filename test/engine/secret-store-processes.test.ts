import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newAgeIdentity } from '../../lib/engine/secrets/age-bridge.ts';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { TeamSecretFile, teamMutexPath } from '../../lib/engine/secrets/team-secret-store.ts';
import { raceWorkers } from './process-race.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'pvecdk-secrets-'));
const stored = (d: string) =>
  JSON.parse(readFileSync(join(d, 'secrets', 'prod.json'), 'utf8')) as Record<string, string>;

describe('secret store shared by concurrent deploys (processes)', () => {
  it('GIVEN two processes WHEN each remembers 50 token secrets at once THEN all 100 are in the store, each with its value', async () => {
    const d = dir();
    await raceWorkers([
      ['remember', d, 'acme', '50'],
      ['remember', d, 'globex', '50'],
    ]);
    const store = stored(d);
    expect(Object.keys(store)).toHaveLength(100);
    for (const prefix of ['acme', 'globex'])
      for (let i = 0; i < 50; i++)
        expect(store[`received/pve-tokens/${prefix}-${i}@pve!deploy`]).toBe(`${prefix}-secret-${i}`);
  }, 60_000);

  it('GIVEN four processes WHEN each asks for the VPN CA at once THEN one CA is made and all four use it', async () => {
    const d = dir();
    const results = await raceWorkers(Array.from({ length: 4 }, () => ['generate', d, 'vpn/ca.crt']));
    const values = results.map((lines) => (lines[0] as { value: string }).value);
    expect(values[0]).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(new Set(values).size).toBe(1);
    expect(stored(d)['vpn/ca.crt']).toBe(values[0]);
    expect(Object.keys(stored(d)).sort()).toEqual(['vpn/ca.crt', 'vpn/ca.key']);
  }, 60_000);

  it('GIVEN the age-encrypted team store WHEN two processes each remember 20 token secrets at once THEN all 40 are kept, each with its value', async () => {
    const d = dir();
    const { identity, recipient } = newAgeIdentity();
    const identityFile = join(d, 'age-identity.txt');
    writeFileSync(identityFile, `${identity}\n`, { mode: 0o600 });
    await raceWorkers([
      ['team-remember', d, identityFile, recipient, 'acme', '20'],
      ['team-remember', d, identityFile, recipient, 'globex', '20'],
    ]);
    const team = new TeamSecretFile({
      file: join(d, 'pvecdk.secrets.json'),
      recipients: [recipient],
      mutex: teamMutexPath(join(d, '.pvecdk')),
      identityFile,
    });
    const store = new SecretStore(join(d, '.pvecdk'), 'prod', d, team);
    expect(store.names).toHaveLength(40);
    for (const prefix of ['acme', 'globex'])
      for (let i = 0; i < 20; i++)
        expect(store.stored(`received/pve-tokens/${prefix}-${i}@pve!deploy`)).toBe(`${prefix}-secret-${i}`);
  }, 120_000);
});
