import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('../lib/', import.meta.url));

/** lib/pve is the REST client and PveApi itself; lib/sim is the server side. */
const EXEMPT = ['pve', 'sim'];

/**
 * A raw REST call: one of the PveClient's HTTP methods called on something
 * named `client`, or PveApi's `client` handed on (`new StorageApi(api.client)`).
 * Whitespace and line breaks between the parts are allowed.
 */
const RAW_CALL =
  /\bclient\s*\.\s*(?:get|post|put|delete|upload|request)\s*(?:<[^>]*>)?\s*\(|\bapi\s*\.\s*client\b/g;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line: text` of each raw REST call in `source`. */
function rawCalls(file: string, source: string): string[] {
  return [...source.matchAll(RAW_CALL)].map((m) => {
    const line = source.slice(0, m.index).split('\n').length;
    return `${file}:${line}: ${source.split('\n')[line - 1]!.trim()}`;
  });
}

describe('REST calls go through PveApi', () => {
  it('GIVEN every file under lib outside lib/pve and lib/sim WHEN read THEN none calls the raw REST client or reaches for PveApi.client', () => {
    const found = filesUnder(LIB)
      .filter((f) => !EXEMPT.includes(relative(LIB, f).split(sep)[0]!))
      .flatMap((f) => rawCalls(`lib/${relative(LIB, f).split(sep).join('/')}`, readFileSync(f, 'utf8')));
    // Add a typed method to PveApi (lib/pve/api) and call that instead.
    expect(found).toEqual([]);
  });

  it('GIVEN sources with raw calls, also split over lines WHEN scanned THEN each is named by file and line, and ssh2 client calls are not', () => {
    const source = [
      "const jobs = await ctx.api.client.get('/cluster/backup');",
      'const storage = new StorageApi(ctx.api.client);',
      'await client',
      "  .post<string>('/pools', { poolid });",
      "conn.client.exec('uptime', cb);",
      'await ctx.api.backupJobs.list();',
    ].join('\n');
    expect(rawCalls('lib/engine/x.ts', source)).toEqual([
      "lib/engine/x.ts:1: const jobs = await ctx.api.client.get('/cluster/backup');",
      'lib/engine/x.ts:2: const storage = new StorageApi(ctx.api.client);',
      'lib/engine/x.ts:3: await client',
    ]);
  });
});
