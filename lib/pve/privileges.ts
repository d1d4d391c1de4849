import { PveError } from './errors.ts';

/**
 * The privilege names each Proxmox VE major version knows. Source:
 * pve-access-control `src/PVE/AccessControl.pm` ($privgroups plus
 * Permissions.Modify), branch stable-bookworm (PVE 8) and master (PVE 9).
 * PVE 9 dropped VM.Monitor (commit 0706945, "privileges: drop VM.Monitor"),
 * split guest agent access into VM.GuestAgent.* (922f710) and added
 * VM.Replicate (5f7544f). A role naming a privilege its version does not know
 * is refused ("invalid privilege"), so roles are built per version.
 */
export type PveMajor = 8 | 9;

const SHARED = [
  'Datastore.Allocate',
  'Datastore.AllocateSpace',
  'Datastore.AllocateTemplate',
  'Datastore.Audit',
  'Group.Allocate',
  'Mapping.Audit',
  'Mapping.Modify',
  'Mapping.Use',
  'Permissions.Modify',
  'Pool.Allocate',
  'Pool.Audit',
  'Realm.Allocate',
  'Realm.AllocateUser',
  'SDN.Allocate',
  'SDN.Audit',
  'SDN.Use',
  'Sys.AccessNetwork',
  'Sys.Audit',
  'Sys.Console',
  'Sys.Incoming',
  'Sys.Modify',
  'Sys.PowerMgmt',
  'Sys.Syslog',
  'User.Modify',
  'VM.Allocate',
  'VM.Audit',
  'VM.Backup',
  'VM.Clone',
  'VM.Config.CDROM',
  'VM.Config.CPU',
  'VM.Config.Cloudinit',
  'VM.Config.Disk',
  'VM.Config.HWType',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.Options',
  'VM.Console',
  'VM.Migrate',
  'VM.PowerMgmt',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
] as const;

export const PVE_PRIVILEGES: Readonly<Record<PveMajor, readonly string[]>> = {
  8: [...SHARED, 'VM.Monitor'].sort(),
  9: [
    ...SHARED,
    'VM.GuestAgent.Audit',
    'VM.GuestAgent.FileRead',
    'VM.GuestAgent.FileSystemMgmt',
    'VM.GuestAgent.FileWrite',
    'VM.GuestAgent.Unrestricted',
    'VM.Replicate',
  ].sort(),
};

/** `8.4.1` → 8, `9.0.3` → 9. Older releases are treated as 8: their names are a subset of PVE 8's. */
export function pveMajor(version: string): PveMajor {
  const major = Number.parseInt(version, 10);
  if (!Number.isInteger(major))
    throw new PveError('PVE_BAD_RESPONSE', `cannot read a Proxmox VE version from '${version}'`, {
      hint: 'GET /version should answer a version such as 8.4.1; check the remote URL points at Proxmox VE',
    });
  return major >= 9 ? 9 : 8;
}

/** Privileges of `privileges` that `major` does not know. */
export function unknownPrivileges(privileges: Iterable<string>, major: PveMajor): string[] {
  const known = new Set(PVE_PRIVILEGES[major]);
  return [...new Set(privileges)].filter((p) => !known.has(p)).sort();
}
