import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Ref, Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import { DATASTORE, nodeNameRef } from './common.ts';

export interface VirtualEnvironmentFileSourceRaw {
  readonly data: string;
  readonly fileName: string;
  readonly resize?: number;
}

export interface VirtualEnvironmentFileSourceFile {
  readonly path: string;
  readonly fileName?: string;
  /** SHA-256 of the file. */
  readonly checksum?: string;
  readonly insecure?: boolean;
}

export interface VirtualEnvironmentFileConfig {
  readonly nodeName: Ref<string>;
  readonly datastoreId: string;
  readonly contentType?: 'snippets' | 'iso' | 'import' | 'vztmpl' | 'backup';
  readonly sourceRaw?: VirtualEnvironmentFileSourceRaw;
  readonly sourceFile?: VirtualEnvironmentFileSourceFile;
  readonly fileMode?: string;
  readonly overwrite?: boolean;
  readonly timeoutUpload?: number;
  readonly uploadMode?: 'stream' | 'sftp';
  readonly dependsOn?: Resource[];
}

const FILE_NAME = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name (letters, digits, . _ -)');

const Schema = z
  .strictObject({
    nodeName: nodeNameRef,
    datastoreId: DATASTORE,
    contentType: z.enum(['snippets', 'iso', 'import', 'vztmpl', 'backup']).optional(),
    sourceRaw: z
      .strictObject({ data: z.string(), fileName: FILE_NAME, resize: z.number().int().min(0).optional() })
      .optional(),
    sourceFile: z
      .strictObject({
        path: z.string().min(1),
        fileName: FILE_NAME.optional(),
        checksum: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex')
          .optional(),
        insecure: z.boolean().optional(),
      })
      .optional(),
    fileMode: z
      .string()
      .regex(/^0[0-7]{3}$/, 'an octal mode such as 0755')
      .optional(),
    overwrite: z.boolean().optional(),
    timeoutUpload: z.number().int().min(1).optional(),
    uploadMode: z.enum(['stream', 'sftp']).optional(),
  })
  .refine((f) => (f.sourceRaw === undefined) !== (f.sourceFile === undefined), {
    message: 'exactly one of sourceRaw or sourceFile must be set',
  });

/** `proxmox_virtual_environment_file`: a file on a node's storage (cloud-init snippets, ISOs). */
export class VirtualEnvironmentFile extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_file';
  static readonly tfResourceType = VirtualEnvironmentFile.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentFileConfig) {
    super(scope, id, { type: VirtualEnvironmentFile.TYPE, properties: { ...config }, schema: Schema });
  }

  /** The volume id, e.g. `local:snippets/web01.yaml`, for `userDataFileId`. */
  get id(): Reference {
    return this.attr('id');
  }
}
