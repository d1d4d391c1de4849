import { createHash } from 'node:crypto';
import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import { configVolumes, volumeFormat } from './qemu-volumes.ts';

const list = (v: unknown) =>
  String(v ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);

function pool(ctx: EmulatorContext) {
  const p = ctx.state.pools[String(ctx.params.poolid)];
  if (!p) throw dieError(`pool '${String(ctx.params.poolid)}' does not exist`);
  return p;
}

function backupJob(ctx: EmulatorContext) {
  const job = ctx.state.backupJobs?.[String(ctx.params.id)];
  if (!job) throw dieError(`job '${String(ctx.params.id)}' not found`);
  return job;
}

/** The SHA1 of resources.cfg, which pve-ha-manager adds to every resource it lists or reads. */
function haDigest(ctx: EmulatorContext): string {
  return createHash('sha1')
    .update(JSON.stringify(ctx.state.haResources ?? {}))
    .digest('hex');
}

/** The HA resource id of a request (`vm:100`, or a bare VM id); a `type` must match its prefix. */
function haSid(ctx: EmulatorContext): string {
  const sid = String(ctx.params.sid).includes(':') ? String(ctx.params.sid) : `vm:${String(ctx.params.sid)}`;
  if (ctx.params.type !== undefined && ctx.params.type !== sid.split(':')[0])
    throw dieError('types does not match');
  return sid;
}

function haResource(ctx: EmulatorContext) {
  const r = ctx.state.haResources?.[String(ctx.params.sid)];
  if (!r) throw dieError(`no such resource '${String(ctx.params.sid)}'`);
  return r;
}

/**
 * vzdump options that are property strings: jobs.cfg keeps them as text, and
 * the API answers them parsed, as objects (pve-guest-common VZDump::JobBase
 * `decode_value`).
 */
const PROPERTY_STRINGS = new Set(['prune-backups', 'performance', 'fleecing']);

function decodePropertyStrings(job: Record<string, unknown>): void {
  for (const key of PROPERTY_STRINGS) {
    const value = job[key];
    if (typeof value !== 'string') continue;
    job[key] = Object.fromEntries(
      value
        .split(',')
        .filter(Boolean)
        .map((pair) => {
          const [k, ...v] = pair.split('=');
          return [k!, v.join('=')];
        }),
    );
  }
}

function copyParams(
  params: Record<string, unknown>,
  skip: readonly string[],
): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(params).filter(([k, v]) => v !== undefined && !skip.includes(k)) as Array<
      [string, string | number]
    >,
  );
}

/** Pools, vzdump backup jobs and HA resources: the datacenter-level objects a platform owns. */
export const datacenterHandlers: HandlerTable = [
  [
    'GET',
    '/pools',
    (ctx) =>
      Object.entries(ctx.state.pools).map(([poolid, p]) => ({
        poolid,
        ...(p.comment ? { comment: p.comment } : {}),
      })),
  ],
  [
    'POST',
    '/pools',
    (ctx) => {
      const id = String(ctx.params.poolid);
      if (ctx.state.pools[id]) throw dieError(`pool '${id}' already exists`);
      ctx.state.pools[id] = {
        members: [],
        ...(ctx.params.comment !== undefined ? { comment: String(ctx.params.comment) } : {}),
      };
      ctx.changed();
      return null;
    },
  ],
  [
    'GET',
    '/pools/{poolid}',
    (ctx) => {
      const p = pool(ctx);
      return {
        ...(p.comment ? { comment: p.comment } : {}),
        members: p.members.map((vmid) => ({
          id: `qemu/${vmid}`,
          vmid,
          type: 'qemu',
          node: ctx.state.vms[vmid]?.node ?? '',
        })),
      };
    },
  ],
  [
    'PUT',
    '/pools/{poolid}',
    (ctx) => {
      const p = pool(ctx);
      if (ctx.params.comment !== undefined) p.comment = String(ctx.params.comment);
      for (const vmid of list(ctx.params.vms).map(Number)) {
        ctx.vm(vmid);
        if (ctx.params.delete) p.members = p.members.filter((m) => m !== vmid);
        else {
          const other = Object.entries(ctx.state.pools).find(
            ([id, q]) => id !== String(ctx.params.poolid) && q.members.includes(vmid),
          );
          if (other && !ctx.params['allow-move'])
            throw dieError(`VM ${vmid} belongs already to pool '${other[0]}'`);
          if (other) other[1].members = other[1].members.filter((m) => m !== vmid);
          if (!p.members.includes(vmid)) p.members.push(vmid);
        }
      }
      ctx.changed();
      return null;
    },
  ],
  [
    'DELETE',
    '/pools/{poolid}',
    (ctx) => {
      if (pool(ctx).members.length) throw dieError('pool is not empty');
      delete ctx.state.pools[String(ctx.params.poolid)];
      ctx.changed();
      return null;
    },
  ],
  ['GET', '/cluster/backup', (ctx) => Object.values(ctx.state.backupJobs ?? {})],
  [
    'POST',
    '/cluster/backup',
    (ctx) => {
      ctx.state.backupJobs ??= {};
      const id = String(ctx.params.id ?? `backup-${Object.keys(ctx.state.backupJobs).length + 1}`);
      if (ctx.state.backupJobs[id]) throw dieError(`Job '${id}' already exists`);
      const job: Record<string, unknown> = { id, type: 'vzdump', enabled: 1, ...copyParams(ctx.params, []) };
      decodePropertyStrings(job);
      ctx.state.backupJobs[id] = job;
      ctx.changed();
      return null;
    },
  ],
  ['GET', '/cluster/backup/{id}', backupJob],
  [
    'PUT',
    '/cluster/backup/{id}',
    (ctx) => {
      const job = backupJob(ctx);
      for (const k of list(ctx.params.delete)) delete job[k];
      Object.assign(job, copyParams(ctx.params, ['delete']));
      // pve-manager API2/Backup.pm: the guest selection given replaces the others.
      if (job.exclude !== undefined && job.pool === undefined) job.all = 1;
      const drop = (...keys: string[]) => {
        for (const k of keys) delete job[k];
      };
      decodePropertyStrings(job);
      if (ctx.params.vmid !== undefined) drop('all', 'exclude', 'pool');
      else if (ctx.params.all) drop('vmid', 'pool');
      else if (job.pool !== undefined) drop('vmid', 'all', 'exclude');
      ctx.changed();
      return null;
    },
  ],
  [
    'DELETE',
    '/cluster/backup/{id}',
    (ctx) => {
      backupJob(ctx);
      delete ctx.state.backupJobs![String(ctx.params.id)];
      ctx.changed();
      return null;
    },
  ],
  [
    'GET',
    '/cluster/ha/resources',
    (ctx) => Object.values(ctx.state.haResources ?? {}).map((r) => ({ ...r, digest: haDigest(ctx) })),
  ],
  [
    'POST',
    '/cluster/ha/resources',
    (ctx) => {
      ctx.state.haResources ??= {};
      const sid = haSid(ctx);
      if (ctx.state.haResources[sid]) throw dieError(`resource ID '${sid}' already defined`);
      ctx.vm(sid.split(':')[1]);
      // The type is the id's prefix; a `type` parameter must agree with it and is not kept.
      ctx.state.haResources[sid] = {
        sid,
        type: sid.split(':')[0]!,
        state: 'started',
        ...copyParams(ctx.params, ['sid', 'type']),
      };
      ctx.changed();
      return null;
    },
  ],
  ['GET', '/cluster/ha/resources/{sid}', (ctx) => ({ ...haResource(ctx), digest: haDigest(ctx) })],
  [
    'PUT',
    '/cluster/ha/resources/{sid}',
    (ctx) => {
      const r = haResource(ctx);
      haSid(ctx);
      if (ctx.params.digest !== undefined && ctx.params.digest !== haDigest(ctx))
        throw dieError('detected modified configuration - file changed by other user? Try again.');
      const group = ctx.params.group;
      if (group !== undefined && !ctx.state.haGroups?.[String(group)])
        throw dieError(`HA group '${String(group)}' does not exist`);
      for (const k of list(ctx.params.delete)) delete r[k];
      Object.assign(r, copyParams(ctx.params, ['sid', 'delete', 'digest', 'type']));
      ctx.changed();
      return null;
    },
  ],
  [
    'DELETE',
    '/cluster/ha/resources/{sid}',
    (ctx) => {
      haResource(ctx);
      delete ctx.state.haResources![String(ctx.params.sid)];
      ctx.changed();
      return null;
    },
  ],
  [
    'GET',
    '/nodes/{node}/storage/{storage}/content',
    (ctx) => {
      const storage = String(ctx.params.storage);
      if (!ctx.state.storages[storage]) throw dieError(`storage '${storage}' does not exist`);
      const volumes: unknown[] = [];
      for (const vm of Object.values(ctx.state.vms)) {
        if (vm.node !== String(ctx.params.node) && !ctx.state.storages[storage]!.shared) continue;
        for (const volume of configVolumes(vm.config)) {
          if (volume.storage !== storage) continue;
          volumes.push({
            volid: volume.volid,
            content: 'images',
            format: volumeFormat(volume.volid),
            size: volume.size,
            vmid: vm.vmid,
          });
        }
      }
      return ctx.params.content && ctx.params.content !== 'images' ? [] : volumes;
    },
  ],
];
