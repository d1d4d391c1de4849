import type { Construct } from 'constructs';
import { fileType } from '../contract/types/datacenter.ts';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentFileConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_file`: a file on a node's storage (ISO images, container templates, import images). */
export class VirtualEnvironmentFile extends Resource {
  static readonly TYPE = fileType.type;
  static readonly tfResourceType = VirtualEnvironmentFile.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentFileConfig) {
    super(scope, id, { type: VirtualEnvironmentFile.TYPE, properties: { ...config } });
  }

  /** The volume id, e.g. `local:iso/debian.iso`. */
  get id(): Reference {
    return this.attr('id');
  }
}
