import type { PveParams } from '../../pve/client.ts';
import { type PlannedChange, type ResourceHandler, sharedRead } from './handler.ts';

type Props = Record<string, unknown>;

/** Plan attributes → `/cluster/backup` parameters, as text for comparing. */
function desired(p: Props): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (key: string, v: unknown) => {
    if (v !== undefined) out[key] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  };
  set('schedule', p.schedule);
  set('storage', p.storage);
  set('mode', p.mode);
  set('compress', p.compress);
  set('enabled', p.enabled ?? true);
  set('all', p.all);
  set('pool', p.pool);
  set('node', p.node);
  set('notes-template', p.notes_template);
  set('mailnotification', p.mailnotification);
  if (Array.isArray(p.vmid)) out.vmid = p.vmid.map(String).join(',');
  if (Array.isArray(p.mailto)) out.mailto = p.mailto.join(',');
  const prune = p.prune_backups as Record<string, string> | undefined;
  if (prune) {
    out['prune-backups'] = Object.keys(prune)
      .sort()
      .map((k) => `${k}=${prune[k]}`)
      .join(',');
  }
  return out;
}

/** Proxmox may reorder `keep-*` entries; compare them as sorted lists. */
function normalise(key: string, value: unknown): string {
  const text = String(value ?? '');
  return key === 'prune-backups' ? text.split(',').filter(Boolean).sort().join(',') : text;
}

/** `proxmox_backup_job`: a vzdump job of /cluster/backup, found by its id. */
export const backupJobHandler: ResourceHandler = {
  type: 'proxmox_backup_job',

  locks() {
    return ['cluster:backup'];
  },

  async read(ctx, resource) {
    const jobs: Array<Record<string, unknown>> = await sharedRead(ctx, 'cluster:backup', () =>
      ctx.api.backupJobs.list(),
    );
    const job = jobs.find((j) => j.id === resource.properties.id);
    return job ? { attributes: { id: job.id }, live: job } : undefined;
  },

  plan(resource, observed): PlannedChange {
    if (!observed) return { action: 'create', changes: [], destroysData: false };
    const want = desired(resource.properties);
    const changes = Object.entries(want)
      .filter(([k, v]) => normalise(k, observed.live[k]) !== normalise(k, v))
      .map(([key, to]) => ({ key, from: observed.live[key], to, forcesReplacement: false }));
    return changes.length
      ? { action: 'update', changes, destroysData: false }
      : { action: 'no-op', changes: [], destroysData: false };
  },

  async apply(ctx, resource, change) {
    const id = String(resource.properties.id);
    const params: PveParams = desired(resource.properties);
    if (change.action === 'create') await ctx.api.backupJobs.create(id, params);
    else await ctx.api.backupJobs.update(id, params);
    return { id };
  },

  async delete(ctx, attributes) {
    await ctx.api.backupJobs.delete(String(attributes.id));
  },
};
