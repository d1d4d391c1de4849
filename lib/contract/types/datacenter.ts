import { z } from 'zod';
import { definePlanType, identityOf } from '../plan-type.ts';
import { DATASTORE, NODE_NAME } from './common.ts';

/** Datacenter objects: pools, backup jobs, HA resources and storage files. */

export const poolType = definePlanType({
  type: 'proxmox_virtual_environment_pool',
  typeName: 'VirtualEnvironmentPool',
  properties: () =>
    z.strictObject({
      pool_id: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ -')
        .describe('The pool name.'),
      comment: z.string().optional().describe('A comment.'),
    }),
  identity: identityOf('pool_id'),
  attributes: { pool_id: 'The pool name.' },
});

const PRUNE_KEYS = [
  'keep-all',
  'keep-last',
  'keep-hourly',
  'keep-daily',
  'keep-weekly',
  'keep-monthly',
  'keep-yearly',
] as const;

export const backupJobType = definePlanType({
  type: 'proxmox_backup_job',
  typeName: 'BackupJob',
  properties: (k) =>
    z
      .strictObject({
        id: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and -, starting with a letter')
          .describe('An id you choose, e.g. `daily-acme`.'),
        schedule: z
          .string()
          .regex(/^[\w*.,:/ -]+$/, 'a calendar event such as *-*-* 02:30 or mon..fri 22:00')
          .describe('A systemd calendar event, e.g. `*-*-* 02:30`.'),
        storage: DATASTORE.describe('The backup storage.'),
        all: z.boolean().optional().describe('Back up every guest.'),
        vmid: z
          .array(k.ref(z.string().regex(/^\d+$/, 'a VM id as a string')))
          .optional()
          .describe('Guest ids to back up (as strings, like the provider).'),
        pool: k.ref(z.string()).optional().describe('Back up the guests of this pool.'),
        node: NODE_NAME.optional().meta({ description: 'Run only on this node.', default: 'every node' }),
        enabled: z.boolean().optional().meta({ description: 'Whether the job runs.', default: 'true' }),
        mode: z
          .enum(['snapshot', 'suspend', 'stop'])
          .optional()
          .meta({ description: 'Backup mode.', default: "Proxmox's: snapshot" }),
        compress: z
          .enum(['0', '1', 'gzip', 'lzo', 'zstd'])
          .optional()
          .meta({ description: 'Compression.', default: "Proxmox's: 0" }),
        mailto: z.array(z.email()).optional().describe('Addresses notified.'),
        mailnotification: z.enum(['always', 'failure']).optional().describe('When to notify.'),
        notes_template: z
          .string()
          .optional()
          .describe('Notes of each backup; `{{guestname}}` and the like are filled in.'),
        prune_backups: z
          .partialRecord(z.enum(PRUNE_KEYS), z.string().regex(/^\d+$/, 'a count as a string'))
          .optional()
          .describe("Retention, e.g. `{ 'keep-daily': '7', 'keep-weekly': '4' }`."),
        repeat_missed: z
          .boolean()
          .optional()
          .meta({ description: 'Run a missed job as soon as possible.', default: 'false' }),
        protected: z
          .boolean()
          .optional()
          .meta({ description: 'Mark the backups protected.', default: 'false' }),
      })
      .refine(
        (j) => [j.all === true, j.vmid !== undefined, j.pool !== undefined].filter(Boolean).length === 1,
        {
          message: 'select guests with exactly one of all, vmid or pool',
        },
      ),
  identity: identityOf('id'),
  attributes: { id: 'The job id.' },
});

export const haResourceType = definePlanType({
  type: 'proxmox_virtual_environment_haresource',
  typeName: 'VirtualEnvironmentHaresource',
  properties: (k) =>
    z
      .strictObject({
        resource_id: k
          .ref(z.string().regex(/^(vm|ct):\d+$/, 'vm:<id> or ct:<id>'))
          .describe('`vm:<id>` or `ct:<id>`.'),
        state: z
          .enum(['started', 'stopped', 'disabled', 'ignored'])
          .optional()
          .meta({ description: 'The state HA keeps it in.', default: 'started' }),
        type: z
          .enum(['vm', 'ct'])
          .optional()
          .describe('The guest type; it must match the `resource_id` prefix.'),
        group: z
          .string()
          .regex(/^[A-Za-z0-9._-]{2,}$/, 'letters, digits, . _ -, at least 2 characters')
          .optional()
          .describe('The HA group (PVE 8).'),
        max_relocate: z
          .number()
          .int()
          .min(0)
          .max(10)
          .optional()
          .meta({ description: 'Relocation attempts after a failed start.', default: "Proxmox's: 1" }),
        max_restart: z
          .number()
          .int()
          .min(0)
          .max(10)
          .optional()
          .meta({ description: 'Restart attempts after a failure.', default: "Proxmox's: 1" }),
        comment: z
          .string()
          .refine((c) => c === c.trim(), 'no leading or trailing whitespace')
          .optional()
          .describe('A comment.'),
      })
      .refine(
        (h) =>
          h.type === undefined || typeof h.resource_id !== 'string' || h.resource_id.startsWith(`${h.type}:`),
        {
          message: 'type must match the prefix of resourceId (vm:<id> or ct:<id>)',
          path: ['type'],
        },
      ),
  identity: identityOf('resource_id'),
  attributes: { resource_id: 'The HA resource id (`vm:100`).' },
});

const FILE_NAME = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name (letters, digits, . _ -)');

/** A file is its volume: node, storage, content type and the name it is stored under. */
const fileIdentity = (p: Readonly<Record<string, unknown>>) => {
  const raw = p.source_raw as { file_name?: unknown } | undefined;
  const file = p.source_file as { file_name?: unknown; path?: unknown } | undefined;
  const name =
    raw?.file_name ??
    file?.file_name ??
    String(file?.path ?? '')
      .replace(/[?#].*$/, '')
      .split('/')
      .pop();
  return {
    node_name: p.node_name,
    datastore_id: p.datastore_id,
    content_type: p.content_type,
    file_name: name,
  };
};

export const fileType = definePlanType({
  type: 'proxmox_virtual_environment_file',
  typeName: 'VirtualEnvironmentFile',
  properties: (k) =>
    z
      .strictObject({
        node_name: k.ref(NODE_NAME).describe('The node whose storage holds the file.'),
        datastore_id: DATASTORE.describe('The storage.'),
        content_type: z
          .enum(['snippets', 'iso', 'import', 'vztmpl', 'backup'])
          .optional()
          .meta({ description: 'The content type.', default: 'inferred from the file name' }),
        source_raw: z
          .strictObject({
            data: z.string().describe('The content (UTF-8).'),
            file_name: FILE_NAME.describe('The file name.'),
            resize: z
              .number()
              .int()
              .min(0)
              .optional()
              .describe('Cut or zero-pad the content to this many bytes.'),
          })
          .optional()
          .describe('The file given inline.'),
        source_file: z
          .strictObject({
            path: z
              .string()
              .min(1)
              .refine(
                (p) => !/^https?:\/\//i.test(p),
                'a URL is not downloaded by pvecdk yet: download it and give its local path',
              )
              .describe('A local path (relative paths start at the project directory).'),
            file_name: FILE_NAME.optional().meta({
              description: 'The name on the storage.',
              default: "the path's base name",
            }),
            checksum: z
              .string()
              .regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex')
              .optional()
              .describe('SHA-256 of the file; Proxmox verifies it.'),
            insecure: z.boolean().optional().describe('Skip TLS verification of a URL download.'),
          })
          .optional()
          .describe('The file read from a local path.'),
        file_mode: z
          .string()
          .regex(/^0[0-7]{3}$/, 'an octal mode such as 0755')
          .optional()
          .describe('The mode of a snippet on the node.'),
        overwrite: z
          .boolean()
          .optional()
          .meta({ description: 'Replace the file when its size changed.', default: 'true' }),
        timeout_upload: z
          .number()
          .int()
          .min(1)
          .optional()
          .meta({ description: 'Seconds an upload may take.', default: '1800' }),
        upload_mode: z.enum(['stream', 'sftp']).optional().describe('How the provider copies snippets.'),
      })
      .refine((f) => (f.source_raw === undefined) !== (f.source_file === undefined), {
        message: 'exactly one of sourceRaw or sourceFile must be set',
      }),
  identity: fileIdentity,
  attributes: {
    id: 'The volume id, e.g. `local:iso/debian.iso`.',
    node_name: 'The node.',
    datastore_id: 'The storage.',
    content_type: 'The content type.',
    file_name: 'The file name.',
    file_size: 'The size in bytes.',
    sha256: 'The SHA-256 of what was uploaded.',
  },
  notApplied: {
    file_mode: 'modes are set on the node over SSH, which pvecdk does not do for nodes yet',
    upload_mode: 'pvecdk uploads through the Proxmox API only',
    'source_file.insecure': 'pvecdk does not download URLs',
  },
});
