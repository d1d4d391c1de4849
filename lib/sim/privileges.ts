import { PVE_PRIVILEGES } from '../pve/privileges.ts';
/** The emulator is a PVE 8.4: its privileges are PVE 8's (AccessControl.pm, stable-bookworm). */
export const PVE8_PRIVILEGES = PVE_PRIVILEGES[8];

const vmConfig = PVE8_PRIVILEGES.filter((p) => p.startsWith('VM.Config.'));

/**
 * Built-in roles. PVEAuditor is the "Audit" level (read only), PVEVMUser the
 * "Manage" level (power and console, no configuration), Administrator all.
 */
export const BUILTIN_ROLES: Record<string, readonly string[]> = {
  Administrator: PVE8_PRIVILEGES,
  NoAccess: [],
  PVEAuditor: ['Datastore.Audit', 'Mapping.Audit', 'Pool.Audit', 'SDN.Audit', 'Sys.Audit', 'VM.Audit'],
  PVEVMUser: [
    'VM.Audit',
    'VM.Console',
    'VM.PowerMgmt',
    'VM.Backup',
    'VM.Config.CDROM',
    'VM.Config.Cloudinit',
    'VM.Monitor',
    'Datastore.AllocateSpace',
    'Datastore.Audit',
  ],
  PVEVMAdmin: [
    'VM.Allocate',
    'VM.Audit',
    'VM.Backup',
    'VM.Clone',
    'VM.Console',
    'VM.Migrate',
    'VM.Monitor',
    'VM.PowerMgmt',
    'VM.Snapshot',
    'VM.Snapshot.Rollback',
    ...vmConfig,
    'Datastore.AllocateSpace',
    'Datastore.Audit',
    'SDN.Use',
    'Mapping.Use',
  ],
  PVEDatastoreAdmin: [
    'Datastore.Allocate',
    'Datastore.AllocateSpace',
    'Datastore.AllocateTemplate',
    'Datastore.Audit',
  ],
  PVEDatastoreUser: ['Datastore.AllocateSpace', 'Datastore.Audit'],
  PVEPoolAdmin: ['Pool.Allocate', 'Pool.Audit'],
  PVEPoolUser: ['Pool.Audit'],
  PVEUserAdmin: ['User.Modify', 'Group.Allocate', 'Realm.AllocateUser'],
  PVESysAdmin: [
    'Sys.AccessNetwork',
    'Sys.Audit',
    'Sys.Console',
    'Sys.Incoming',
    'Sys.Modify',
    'Sys.PowerMgmt',
    'Sys.Syslog',
  ],
  PVEAdmin: PVE8_PRIVILEGES.filter((p) => !['Permissions.Modify', 'Realm.Allocate'].includes(p)),
  PVESDNAdmin: ['SDN.Allocate', 'SDN.Audit', 'SDN.Use'],
  PVESDNUser: ['SDN.Audit', 'SDN.Use'],
  PVEMappingAdmin: ['Mapping.Audit', 'Mapping.Modify', 'Mapping.Use'],
  PVEMappingUser: ['Mapping.Audit', 'Mapping.Use'],
  PVETemplateUser: ['VM.Audit', 'VM.Clone'],
};
