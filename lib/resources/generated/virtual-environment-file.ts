// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Ref } from '../../core/reference.ts';
import type { Resource } from '../../core/resource.ts';

export interface VirtualEnvironmentFileConfig {
  /** The node whose storage holds the file. */
  readonly nodeName: Ref<string>;
  /** The storage. */
  readonly datastoreId: string;
  /**
   * The content type.
   * @default inferred from the file name
   */
  readonly contentType?: 'snippets' | 'iso' | 'import' | 'vztmpl' | 'backup';
  /** The file given inline. */
  readonly sourceRaw?: VirtualEnvironmentFileSourceRaw;
  /** The file read from a local path. */
  readonly sourceFile?: VirtualEnvironmentFileSourceFile;
  /**
   * The mode of a snippet on the node.
   * @remarks Not applied by the engine yet, so synthesis refuses it: modes are set on the node over SSH, which pvecdk does not do for nodes yet.
   */
  readonly fileMode?: string;
  /**
   * Replace the file when its size changed.
   * @default true
   */
  readonly overwrite?: boolean;
  /**
   * Seconds an upload may take.
   * @default 1800
   */
  readonly timeoutUpload?: number;
  /**
   * How the provider copies snippets.
   * @remarks Not applied by the engine yet, so synthesis refuses it: pvecdk uploads through the Proxmox API only.
   */
  readonly uploadMode?: 'stream' | 'sftp';
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}

export interface VirtualEnvironmentFileSourceRaw {
  /** The content (UTF-8). */
  readonly data: string;
  /** The file name. */
  readonly fileName: string;
  /** Cut or zero-pad the content to this many bytes. */
  readonly resize?: number;
}

export interface VirtualEnvironmentFileSourceFile {
  /** A local path (relative paths start at the project directory). */
  readonly path: string;
  /**
   * The name on the storage.
   * @default the path's base name
   */
  readonly fileName?: string;
  /** SHA-256 of the file; Proxmox verifies it. */
  readonly checksum?: string;
  /**
   * Skip TLS verification of a URL download.
   * @remarks Not applied by the engine yet, so synthesis refuses it: pvecdk does not download URLs.
   */
  readonly insecure?: boolean;
}
