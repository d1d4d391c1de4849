import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../lib/cli/config.ts';

function projectWith(cdk: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-cdkjson-'));
  writeFileSync(join(dir, 'cdk.json'), JSON.stringify(cdk));
  return dir;
}

describe('cdk.json backend', () => {
  it('GIVEN no backend WHEN cdk.json is read THEN the local backend is the default', () => {
    expect(loadProjectConfig(projectWith({})).backend).toEqual({ type: 'local' });
  });

  it('GIVEN a pg backend with an env: or file: reference WHEN read THEN it is kept as a reference', () => {
    expect(
      loadProjectConfig(projectWith({ backend: { type: 'pg', url: 'env:PVECDK_PG_URL' } })).backend,
    ).toEqual({
      type: 'pg',
      url: 'env:PVECDK_PG_URL',
    });
    expect(loadProjectConfig(projectWith({ backend: { type: 'pg', url: 'file:.pg-url' } })).backend).toEqual({
      type: 'pg',
      url: 'file:.pg-url',
    });
  });

  it.each([
    [
      { type: 'pg', url: 'postgresql://ops:hunter2@db/pvecdk' },
      'backend.url: must be a reference "env:NAME" or "file:path"',
    ],
    [{ type: 'pg' }, 'backend.url'],
    [{ type: 's3', bucket: 'x' }, 'backend.type'],
    [{ type: 'local', url: 'env:X' }, 'backend'],
  ])(
    'GIVEN backend %j WHEN read THEN CLI_CONFIG names cdk.json and the key, never the value',
    (backend, key) => {
      const dir = projectWith({ backend });
      let error: (Error & { code?: string }) | undefined;
      try {
        loadProjectConfig(dir);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.code).toBe('CLI_CONFIG');
      expect(error?.message).toContain(join(dir, 'cdk.json'));
      expect(error?.message).toContain(key);
      expect(error?.message).not.toContain('hunter2');
    },
  );
});
