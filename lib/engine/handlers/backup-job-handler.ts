import type { PropertiesOf } from '../../contract/plan-type.ts';
import { backupJobType } from '../../contract/types/datacenter.ts';
import type { Requirement } from '../preflight/endpoint-permissions.ts';
import { proxmoxKeys } from '../proxmox/proxmox-keys.ts';
import { CREATE, defineHandler, propertyChange, sharedRead, updateOrNoOp } from './handler.ts';

type BackupJobProps = PropertiesOf<typeof backupJobType>;

/** Plan keys whose `/cluster/backup` parameter is spelled otherwise. */
const BACKUP_KEYS = proxmoxKeys({
  notes_template: 'notes-template',
  repeat_missed: 'repeat-missed',
  prune_backups: 'prune-backups',
});

/** Plan properties → `/cluster/backup` parameters, as text for comparing. */
function desired(p: BackupJobProps): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (key: keyof BackupJobProps, v: string | number | boolean | undefined) => {
    if (v !== undefined)
      out[BACKUP_KEYS.apiOf(key) ?? key] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  };
  set('schedule', p.schedule);
  set('storage', p.storage);
  set('mode', p.mode);
  set('compress', p.compress);
  set('enabled', p.enabled ?? true);
  set('all', p.all);
  set('pool', p.pool);
  set('node', p.node);
  set('notes_template', p.notes_template);
  set('mailnotification', p.mailnotification);
  set('repeat_missed', p.repeat_missed);
  set('protected', p.protected);
  if (p.vmid) out.vmid = p.vmid.join(',');
  if (p.mailto) out.mailto = p.mailto.join(',');
  const prune = p.prune_backups;
  if (prune) {
    out['prune-backups'] = Object.entries(prune)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  return out;
}

/**
 * Retention compares as a sorted `keep-*` list: Proxmox answers it parsed, as
 * an object (PVE 8), or as the text it was given.
 */
function normalise(key: string, value: unknown): string {
  if (key !== 'prune-backups') return String(value ?? '');
  const entries =
    value !== null && typeof value === 'object'
      ? Object.entries(value).map(([k, v]) => `${k}=${String(v)}`)
      : String(value ?? '').split(',');
  return entries.filter(Boolean).sort().join(',');
}

const plain = (path: string, privilege: string): Requirement => ({ path, privilege, orElse: [] });

/** `proxmox_backup_job`: a vzdump job of /cluster/backup, found by its id. */
export const backupJobHandler = defineHandler({
  contract: backupJobType,
  proxmoxKey: (path) => BACKUP_KEYS.apiOf(path),

  locks() {
    return ['cluster:backup'];
  },

  async read(ctx, resource) {
    const jobs = await sharedRead(ctx, 'cluster:backup', () => ctx.api.backupJobs.list());
    const job = jobs.find((j) => j.id === resource.props.id);
    return job ? { attributes: { id: job.id }, live: { ...job } } : undefined;
  },

  diff(resource, observed) {
    if (!observed) return CREATE;
    const changes = Object.entries(desired(resource.props))
      .filter(([k, v]) => normalise(k, observed.live[k]) !== normalise(k, v))
      .map(([api, to]) => propertyChange(BACKUP_KEYS.planOf(api), observed.live[api], to, { api }));
    return updateOrNoOp(changes);
  },

  async apply(ctx, resource, planned) {
    const { id } = resource.props;
    if (planned.action === 'create') await ctx.api.backupJobs.create(id, desired(resource.props));
    else await ctx.api.backupJobs.update(id, desired(resource.props));
    return { id };
  },

  async delete(ctx, applied) {
    await ctx.api.backupJobs.delete(String(applied.attributes.id));
  },

  requirements(resource, call) {
    const p = resource.props;
    return [
      ...call('GET', '/cluster/backup'),
      ...call('POST', '/cluster/backup'),
      ...call('PUT', '/cluster/backup/{id}', { id: p.id }),
      ...call('DELETE', '/cluster/backup/{id}', { id: p.id }),
      // pve-manager API2/Backup.pm: Datastore.Allocate on the target storage, VM.Backup on a backed-up pool.
      plain(p.storage !== undefined ? `/storage/${p.storage}` : '/storage', 'Datastore.Allocate'),
      ...(typeof p.pool === 'string' ? [plain(`/pool/${p.pool}`, 'VM.Backup')] : []),
    ];
  },
});
