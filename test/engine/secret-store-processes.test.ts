import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
