import type { Construct } from 'constructs';
import { rdsUserType } from '../../contract/types/guest.ts';
import { Resource } from '../../core/resource.ts';
import type { RdsUserConfig } from '../generated/index.ts';

/** A local user on the RDS host who may log on through Remote Desktop. */
export class RdsUser extends Resource {
  static readonly TYPE = rdsUserType.type;

  constructor(scope: Construct, id: string, config: RdsUserConfig) {
    super(scope, id, { type: RdsUser.TYPE, properties: { ...config } });
  }
}
