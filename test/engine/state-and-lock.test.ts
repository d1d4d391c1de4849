import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDeployLock, forceUnlock } from '../../lib/engine/deploy-lock.ts';
import { StateStore } from '../../lib/engine/state-store.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'pvecdk-state-'));
const vm = (vmid: number) => ({
  type: 'proxmox_virtual_environment_vm',
  path: 'acme/Db/Vm',
  attributes: { vm_id: vmid, node_name: 'pve1' },
  properties: {
    vm_id: vmid,
    initialization: { user_account: { password: { secret: 'generated:vm/admin' } } },
  },
  dependsOn: [],
});

describe('state store', () => {
  it('GIVEN puts and removes WHEN reopened THEN the state is there, serials count up, secrets stay references', async () => {
    const d = dir();
    const store = StateStore.open(d, 'prod', 'acme');
    await store.put('DbVm', vm(1042));
    await store.put('Other', vm(1043));
    await store.remove('Other');
    const again = StateStore.open(d, 'prod', 'acme');
    expect(Object.keys(again.state.resources)).toEqual(['DbVm']);
    expect(again.state.serial).toBe(3);
    const text = readFileSync(join(d, 'state', 'prod', 'acme.json'), 'utf8');
    expect(text).toContain('"secret": "generated:vm/admin"');
    expect(statSync(join(d, 'state', 'prod', 'acme.json')).mode & 0o777).toBe(0o600);
  });

  it('GIVEN concurrent puts WHEN awaited together THEN every one lands (writes are serialised)', async () => {
    const d = dir();
    const store = StateStore.open(d, 'prod', 'acme');
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(`Vm${i}`, vm(1000 + i))));
    expect(Object.keys(StateStore.open(d, 'prod', 'acme').state.resources)).toHaveLength(20);
    expect(readdirSync(join(d, 'state', 'prod')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('GIVEN a damaged or foreign state file WHEN opened THEN ENGINE_STATE_CORRUPT names the file and the field', () => {
    const d = dir();
    const file = join(d, 'state', 'prod', 'acme.json');
    StateStore.open(d, 'prod', 'acme');
    const store = StateStore.open(d, 'prod', 'acme');
    return store.put('DbVm', vm(1)).then(() => {
      writeFileSync(
        file,
        JSON.stringify({
          version: 1,
          stack: 'acme',
          remote: 'prod',
          serial: 'x',
          resources: {},
          outputs: {},
        }),
      );
      expect(() => StateStore.open(d, 'prod', 'acme')).toThrow(
        /acme\.json is not a pvecdk state file:\n\s+serial: /,
      );
      writeFileSync(file, '{');
      expect(() => StateStore.open(d, 'prod', 'acme')).toThrow(
        expect.objectContaining({ code: 'ENGINE_STATE_CORRUPT' }),
      );
    });
  });
});

describe('deploy lock', () => {
  it('GIVEN a held lock WHEN a second deploy asks THEN it is refused naming the holder; after release it is free', () => {
    const d = dir();
    const lock = acquireDeployLock(d, 'prod', 'acme', 'pvecdk deploy stacks/acme.ts');
    expect(() => acquireDeployLock(d, 'prod', 'acme', 'pvecdk deploy stacks/acme.ts')).toThrow(
      new RegExp(`being changed by 'pvecdk deploy stacks/acme.ts' \\(pid ${process.pid} on ${hostname()}\\)`),
    );
    // Another stack is not affected.
    acquireDeployLock(d, 'prod', 'globex', 'deploy').release();
    lock.release();
    acquireDeployLock(d, 'prod', 'acme', 'deploy').release();
  });

  it('GIVEN a lock left by a dead process on this host WHEN asked THEN it is taken over and reported', () => {
    const d = dir();
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const deadPid = Number(child.stdout);
    const file = join(d, 'state', 'prod', 'acme.lock');
    acquireDeployLock(d, 'prod', 'acme', 'x').release();
    writeFileSync(
      file,
      JSON.stringify({
        pid: deadPid,
        hostname: hostname(),
        command: 'killed deploy',
        startedAt: '2026-11-24T10:00:00Z',
      }),
    );
    const lock = acquireDeployLock(d, 'prod', 'acme', 'deploy');
    expect(lock.tookOverFrom).toMatchObject({ pid: deadPid, command: 'killed deploy' });
    lock.release();
  });

  it("GIVEN a lock from another machine WHEN forced THEN it is removed; release never removes someone else's lock", () => {
    const d = dir();
    const file = join(d, 'state', 'prod', 'acme.lock');
    const mine = acquireDeployLock(d, 'prod', 'acme', 'deploy');
    writeFileSync(
      file,
      JSON.stringify({
        pid: 1,
        hostname: 'ops-laptop',
        command: 'deploy',
        startedAt: '2026-11-24T10:00:00Z',
      }),
    );
    mine.release();
    expect(() => acquireDeployLock(d, 'prod', 'acme', 'deploy')).toThrow(
      expect.objectContaining({
        code: 'ENGINE_LOCKED',
        message: expect.stringContaining('on ops-laptop) since 2026-11-24T10:00:00Z'),
        hint: expect.stringContaining('--force-unlock'),
      }),
    );
    expect(forceUnlock(d, 'prod', 'acme')).toBe(true);
    acquireDeployLock(d, 'prod', 'acme', 'deploy').release();
  });
});
