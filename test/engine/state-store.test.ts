import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

  it('GIVEN a state file that is not JSON and holds a secret-looking value WHEN opened THEN ENGINE_STATE_CORRUPT names the file and the place, never its content', () => {
    const d = dir();
    const file = join(d, 'state', 'prod', 'acme.json');
    mkdirSync(join(d, 'state', 'prod'), { recursive: true });
    writeFileSync(file, '{"version": 1, "password": "Zq9-hunter2-Xy" oops}');
    let thrown: unknown;
    try {
      StateStore.open(d, 'prod', 'acme');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'ENGINE_STATE_CORRUPT' });
    // The place is given where Node's parser tells it (every supported version does for this mistake).
    expect((thrown as Error).message).toBe(`${file} is not valid JSON (line 1, column 45)`);
    for (const part of ['hunter2', 'Zq9', 'oops', 'password']) expect(String(thrown)).not.toContain(part);
  });

  it.each([
    ['null', 'null'],
    ['an array', '["Zq9-hunter2-Xy"]'],
    ['a number', '8675309'],
    ['an empty file', ''],
  ])(
    'GIVEN a state file holding %s WHEN opened THEN ENGINE_STATE_CORRUPT, without its content',
    (_, content) => {
      const d = dir();
      mkdirSync(join(d, 'state', 'prod'), { recursive: true });
      writeFileSync(join(d, 'state', 'prod', 'acme.json'), content);
      expect(() => StateStore.open(d, 'prod', 'acme')).toThrow(
        expect.objectContaining({
          code: 'ENGINE_STATE_CORRUPT',
          message: expect.not.stringMatching(/hunter2|8675309/),
        }),
      );
    },
  );

  it('GIVEN no state folder WHEN the first state is written THEN the folders are made 0700 and the file 0600', async () => {
    const d = join(dir(), '.pvecdk');
    await StateStore.open(d, 'prod', 'acme').put('DbVm', vm(1042));
    for (const folder of [d, join(d, 'state'), join(d, 'state', 'prod')])
      expect({ folder, mode: statSync(folder).mode & 0o777 }).toEqual({ folder, mode: 0o700 });
    expect(statSync(join(d, 'state', 'prod', 'acme.json')).mode & 0o777).toBe(0o600);
  });
});
