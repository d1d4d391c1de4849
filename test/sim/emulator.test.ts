import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PveApi, PveClient, PveError } from '../../lib/pve/index.ts';
import { type RunningEmulator, startEmulator } from '../../lib/sim/index.ts';
import { setUserPassword } from '../../lib/sim/shadow.ts';
import type { StorageIoOptions } from '../../lib/sim/storage-io.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function serve(
  dataDir = mkdtempSync(join(tmpdir(), 'pvecdk-emulator-')),
  storage?: StorageIoOptions,
): Promise<RunningEmulator> {
  const s = await startEmulator({
    port: 0,
    dataDir,
    latencyScale: 0.001,
    checkAnswers: true,
    ...(storage ? { storage } : {}),
  });
  running.push(s);
  return s;
}

function clientFor(s: RunningEmulator, tokenId = s.tokenId, tokenSecret = s.tokenSecret) {
  const c = new PveClient({
    hosts: [s.url],
    credentials: { tokenId, tokenSecret },
    tls: { fingerprint: s.fingerprint },
    backoff: { attempts: 1, baseMs: 1, maxMs: 1 },
  });
  running.push(c);
  return { c, api: new PveApi(c, { pollMs: 2, maxPollMs: 5, timeoutMs: 20_000 }) };
}

async function failure(p: Promise<unknown>): Promise<PveError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PveError) return e;
    throw e;
  }
  throw new Error('expected a PveError');
}

function addUser(s: RunningEmulator, userid: string, role: string, tokenRole?: string): string {
  const state = s.emulator.state;
  state.users[userid] = { enable: 1 };
  state.acl.push({ path: '/', ugid: userid, roleid: role, propagate: true });
  const tokenid = `${userid}!t`;
  state.tokens[tokenid] = { secret: `secret-${userid}`, privsep: tokenRole ? 1 : 0 };
  if (tokenRole) state.acl.push({ path: '/', ugid: tokenid, roleid: tokenRole, propagate: true });
  return tokenid;
}

describe('emulator over HTTPS', () => {
  it('GIVEN a seeded cluster WHEN listed THEN nodes, storages and the three templates are there, typed like Proxmox', async () => {
    const s = await serve();
    const { c, api } = clientFor(s);
    expect((await api.nodes()).map((n) => n.node)).toEqual(['pve1', 'pve2', 'pve3']);
    const resources = (await c.get('/cluster/resources')) as Array<Record<string, unknown>>;
    expect(resources.filter((r) => r.type === 'qemu').map((r) => [r.vmid, r.template])).toEqual([
      [9000, 1],
      [9001, 1],
      [9002, 1],
    ]);
    expect(resources.filter((r) => r.type === 'storage' && r.node === 'pve1').map((r) => r.storage)).toEqual([
      'local',
      'local-lvm',
      'nfs-backup',
      'ceph-vm',
    ]);
    expect(await c.get('/cluster/nextid')).toBe('100');
    expect((await api.network('pve1')).find((i) => i.iface === 'vmbr0')).toMatchObject({
      type: 'bridge',
      bridge_ports: 'eno1',
    });
  });

  it('GIVEN no or a wrong token WHEN calling THEN 401', async () => {
    const s = await serve();
    const wrong = await failure(clientFor(s, s.tokenId, 'nope').c.get('/version'));
    expect(wrong.code).toBe('PVE_AUTH');
    const res = await fetchNoAuth(s);
    expect(res).toBe(401);
  });

  it('GIVEN a wrong token WHEN calling THEN the 401 comes after the 3 s Proxmox waits (scaled), a good call does not wait', async () => {
    // Latency scale 0.1: the 3 s become 300 ms.
    const s = await startEmulator({
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), 'pvecdk-emulator-')),
      latencyScale: 0.1,
      checkAnswers: true,
    });
    running.push(s);
    const t0 = performance.now();
    await failure(clientFor(s, s.tokenId, 'nope').c.get('/version'));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    const t1 = performance.now();
    await clientFor(s).c.get('/version');
    expect(performance.now() - t1).toBeLessThan(290);
  });

  it('GIVEN a token that may audit one VM only WHEN it lists /cluster/resources THEN it sees that VM and nothing else', async () => {
    const s = await serve();
    const state = s.emulator.state;
    state.users['viewer@pve'] = { enable: 1 };
    state.tokens['viewer@pve!t'] = { secret: 'secret-viewer', privsep: 0 };
    state.acl.push({ path: '/vms/9001', ugid: 'viewer@pve', roleid: 'PVEAuditor', propagate: true });
    const resources = (await clientFor(s, 'viewer@pve!t', 'secret-viewer').c.get(
      '/cluster/resources',
    )) as Array<Record<string, unknown>>;
    expect(resources.map((r) => r.id)).toEqual(['qemu/9001']);
    // The root token still sees everything.
    const all = (await clientFor(s).c.get('/cluster/resources')) as Array<Record<string, unknown>>;
    expect(all.filter((r) => r.type === 'node')).toHaveLength(3);
  });

  it('GIVEN Audit, Manage and Admin tokens WHEN they act THEN each may do only its level, with Proxmox 403 texts', async () => {
    const s = await serve();
    const admin = clientFor(s).api;
    await admin.cloneQemu('pve1', 9002, { newid: 200, full: true });
    const audit = clientFor(s, addUser(s, 'auditor@pve', 'PVEAuditor'), 'secret-auditor@pve').api;
    const manage = clientFor(s, addUser(s, 'operator@pve', 'PVEVMUser'), 'secret-operator@pve').api;
    expect((await audit.qemuConfig('pve1', 200)).name).toBe('tpl-debian-12');
    expect((await failure(audit.qemuPower('pve1', 200, 'start'))).message).toContain(
      'Permission check failed (/vms/200, VM.PowerMgmt)',
    );
    await manage.qemuPower('pve1', 200, 'start');
    expect((await manage.qemuStatus('pve1', 200)).status).toBe('running');
    const denied = await failure(manage.updateQemuConfig('pve1', 200, { cores: 4 }));
    expect(denied.code).toBe('PVE_PERMISSION');
    expect(denied.message).toContain('Permission check failed (/vms/200, VM.Config.CPU)');
    await manage.updateQemuConfig('pve1', 200, { ide2: 'none,media=cdrom' });
  });

  it('GIVEN a privilege-separated token WHEN its own ACL is narrower than its user THEN the intersection applies', async () => {
    const s = await serve();
    const tokenid = addUser(s, 'ops@pve', 'Administrator', 'PVEAuditor');
    const { api } = clientFor(s, tokenid, 'secret-ops@pve');
    expect((await api.version()).release).toBe('8.4');
    expect((await failure(api.cloneQemu('pve1', 9002, { newid: 201 }))).code).toBe('PVE_PERMISSION');
    const perms = await api.permissions({ path: '/' });
    expect(perms['/']?.['VM.Audit']).toBe(true);
    expect(perms['/']?.['VM.Clone']).toBeUndefined();
  });

  it('GIVEN a clone WHEN its config is read THEN only set keys come back, with new MACs and disks, and a stale digest is refused', async () => {
    const s = await serve();
    const { api } = clientFor(s);
    await api.cloneQemu('pve1', 9000, { newid: 300, full: true, name: 'fw' });
    const config = await api.qemuConfig('pve1', 300);
    expect(Object.keys(config).sort()).toEqual([
      'cores',
      'digest',
      'memory',
      'name',
      'net0',
      'ostype',
      'scsi0',
    ]);
    expect(config.scsi0).toBe('local-lvm:vm-300-disk-0,size=16G');
    expect(config.net0).toMatch(/^virtio=BC:24:11:(?!90:00:00)[0-9A-F:]{8},bridge=vmbr0$/);
    await api.updateQemuConfig('pve1', 300, { digest: String(config.digest), cores: 4 });
    const stale = await failure(
      api.updateQemuConfig('pve1', 300, { digest: String(config.digest), cores: 8 }),
    );
    expect(stale.message).toContain('checksum mismatch (file change by other user?)');
  });

  it('GIVEN a full clone from a normal VM running WHEN a second clone starts THEN it fails with VM is locked (clone)', async () => {
    const s = await serve();
    const { c, api } = clientFor(s);
    await api.cloneQemu('pve1', 9002, { newid: 400, full: true });
    // Ten minutes at this scale: the clone is still running when its status is read, however loaded the machine.
    Object.assign(s.emulator.latency, { clone: 600_000_000 });
    const upid = (await c.post('/nodes/pve1/qemu/400/clone', { newid: 401, full: 1 })) as string;
    expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmclone:400:root@pam!pvecdk:$/);
    const locked = await failure(c.post('/nodes/pve1/qemu/400/clone', { newid: 402, full: 1 }));
    expect(locked.message).toContain('VM is locked (clone)');
    // Templates are not locked: clones from 9001 go on in parallel.
    await c.post('/nodes/pve1/qemu/9001/clone', { newid: 403, full: 1 });
    await c.post('/nodes/pve1/qemu/9001/clone', { newid: 404, full: 1 });
    expect(
      ((await c.get('/nodes/pve1/tasks/' + encodeURIComponent(upid) + '/status')) as { status: string })
        .status,
    ).toBe('running');
    // Shutdown drains running tasks; these are left to the state, as after a crash.
    s.emulator.tasks.stop();
  });

  it("GIVEN allocations on one storage that queue past Proxmox's 10 s lock wait WHEN two full clones start THEN the second fails with can't lock file and leaves no VM", async () => {
    // An allocation holding local-lvm's lock 2,000 s (2 s at this scale): the second clone would wait past 10 s.
    const s = await serve(undefined, { allocateMs: 2_000_000 });
    const { c, api } = clientFor(s);
    const upids = [];
    for (const id of [500, 502])
      upids.push((await c.post('/nodes/pve1/qemu/9001/clone', { newid: id, full: 1 })) as string);
    const { waitForTask } = await import('../../lib/pve/index.ts');
    const third = await failure(waitForTask(c, upids[1]!, { pollMs: 2 }));
    expect(third.code).toBe('PVE_TASK_FAILED');
    expect(third.message).toContain(
      "can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    expect(third.taskLog.at(-1)).toBe(
      "TASK ERROR: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    expect((await api.clusterResources('vm')).map((r) => r.id)).not.toContain('qemu/502');
    await waitForTask(c, upids[0]!, { pollMs: 2 });
  });

  it('GIVEN snapshots WHEN created, rolled back and deleted THEN the config follows and current shows the parent', async () => {
    const s = await serve();
    const { api } = clientFor(s);
    await api.cloneQemu('pve1', 9002, { newid: 600 });
    await api.createSnapshot('pve1', 600, 'before', 'pvecdk');
    await api.updateQemuConfig('pve1', 600, { cores: 8 });
    await api.rollbackSnapshot('pve1', 600, 'before');
    expect((await api.qemuConfig('pve1', 600)).cores).toBe(2);
    expect((await api.snapshots('pve1', 600)).map((x) => [x.name, x.parent])).toEqual([
      ['before', undefined],
      ['current', 'before'],
    ]);
    await api.deleteSnapshot('pve1', 600, 'before');
    expect((await api.snapshots('pve1', 600)).map((x) => x.name)).toEqual(['current']);
  });

  it('GIVEN a restart on the same data dir WHEN started again THEN state, token and certificate are kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pvecdk-emulator-'));
    const first = await serve(dir);
    await clientFor(first).api.cloneQemu('pve1', 9002, { newid: 700, name: 'kept' });
    const { fingerprint, tokenSecret } = first;
    await running.splice(running.indexOf(first), 1)[0]!.close();
    const second = await serve(dir);
    expect(second.fingerprint).toBe(fingerprint);
    expect(second.tokenSecret).toBe(tokenSecret);
    expect((await clientFor(second).api.qemuConfig('pve1', 700)).name).toBe('kept');
  });

  it('GIVEN ticket auth WHEN a write lacks the CSRF token THEN 401 invalid csrf token; with it, it works', async () => {
    const s = await serve();
    const password = 'root password for this test';
    setUserPassword(s.emulator.state, 'root@pam', password);
    const login = (await clientFor(s).c.post('/access/ticket', { username: 'root@pam', password })) as {
      ticket: string;
      CSRFPreventionToken: string;
    };
    const res = await rawPost(s, '/nodes/pve1/qemu/9002/config', 'description=x', {
      cookie: `PVEAuthCookie=${login.ticket}`,
    });
    expect(res).toEqual({ status: 401, reason: 'Permission denied - invalid csrf token' });
    const ok = await rawPost(s, '/nodes/pve1/qemu/9002/config', 'description=x', {
      cookie: `PVEAuthCookie=${login.ticket}`,
      csrfpreventiontoken: login.CSRFPreventionToken,
    });
    expect(ok.status).toBe(200);
  });
});

async function fetchNoAuth(s: RunningEmulator): Promise<number> {
  return (await rawPost(s, '/version', '', {}, 'GET')).status;
}

async function rawPost(
  s: RunningEmulator,
  path: string,
  body: string,
  headers: Record<string, string>,
  method = 'POST',
) {
  const { request, Agent } = await import('undici');
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  const res = await request(`${s.url}/api2/json${path}`, {
    method: method as 'POST',
    headers: { ...headers, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(body ? { body } : {}),
    dispatcher: agent,
  });
  await res.body.text();
  await agent.close();
  return { status: res.statusCode, reason: res.statusText };
}

describe('node network', () => {
  it('GIVEN staged bridge edits WHEN applied THEN they become active; reverted ones vanish', async () => {
    const s = await serve();
    const { api } = clientFor(s);
    await api.createNetwork('pve1', {
      iface: 'vmbr1',
      type: 'bridge',
      autostart: true,
      comments: 'pvecdk lan',
    });
    await api.createNetwork('pve1', { iface: 'vmbr2', type: 'bridge', autostart: true });
    expect(s.emulator.state.nodes.pve1!.network.vmbr1).toBeUndefined();
    expect((await api.network('pve1')).map((i) => i.iface)).toEqual([
      'eno1',
      'eno2',
      'vmbr0',
      'vmbr1',
      'vmbr2',
    ]);
    await api.applyNetwork('pve1');
    expect(s.emulator.state.nodes.pve1!.network.vmbr1).toMatchObject({
      type: 'bridge',
      comments: 'pvecdk lan',
      active: 1,
    });
    await api.deleteNetwork('pve1', 'vmbr2');
    await api.revertNetwork('pve1');
    expect((await api.network('pve1')).map((i) => i.iface)).toContain('vmbr2');
    const dup = await failure(api.createNetwork('pve1', { iface: 'vmbr1', type: 'bridge' }));
    expect(dup.message).toContain("interface 'vmbr1' already exists");
  });
});

describe('client against the emulator', () => {
  it('GIVEN the emulator WHEN a client pins a wrong fingerprint THEN it is refused; with a dead first host the fallback answers', async () => {
    const s = await serve();
    const wrong = new PveClient({
      hosts: [s.url],
      credentials: { tokenId: s.tokenId, tokenSecret: s.tokenSecret },
      tls: { fingerprint: s.fingerprint.replace(/^../, s.fingerprint.startsWith('00') ? '11' : '00') },
      backoff: { attempts: 1, baseMs: 1, maxMs: 1 },
    });
    running.push(wrong);
    const refused = await failure(wrong.get('/version'));
    expect(refused.code).toBe('PVE_TLS');
    expect(refused.message).toContain(`got ${s.fingerprint}`);
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const deadPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const fallback = new PveClient({
      hosts: [`https://127.0.0.1:${deadPort}`, s.url],
      credentials: { tokenId: s.tokenId, tokenSecret: s.tokenSecret },
      tls: { fingerprint: s.fingerprint },
    });
    running.push(fallback);
    expect(await new PveApi(fallback).nextId()).toBe(100);
  });
});
