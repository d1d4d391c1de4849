import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { PveApi, PveClient } from '../../lib/pve/index.ts';
import { ROOT } from './run-cli.ts';

describe('pvecdk sim', () => {
  it('GIVEN --json WHEN started THEN one JSON line gives what a client needs, and the API answers with it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pvecdk-simcli-'));
    const child = spawn(
      process.execPath,
      [`${ROOT}bin/pvecdk.mjs`, 'sim', '--port', '0', '--data-dir', dataDir, '--json'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('pvecdk sim did not print its JSON line within 20 s')),
          20_000,
        );
        createInterface({ input: child.stdout! }).once('line', (l) => {
          clearTimeout(timer);
          resolve(l);
        });
        child.once('exit', (code) => reject(new Error(`pvecdk sim exited with ${code}`)));
      });
      const info = JSON.parse(line) as {
        url: string;
        tokenId: string;
        tokenSecret: string;
        fingerprint: string;
      };
      expect(info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(info.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      const client = new PveClient({
        hosts: [info.url],
        credentials: info,
        tls: { fingerprint: info.fingerprint },
      });
      expect((await new PveApi(client).version()).version).toBe('8.4.1');
      await client.close();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
