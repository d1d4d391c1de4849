import { describe, expect, it } from 'vitest';
import {
  DRIVE_MOVED,
  movedDriveChanges,
  refuseCloudInitMoveWhileRunning,
} from '../../lib/engine/handlers/vm-drive-moves.ts';
import type { VmProps } from '../../lib/engine/proxmox/vm-config.ts';

const live = {
  ide0: 'none,media=cdrom',
  ide2: 'local-lvm:vm-1150-cloudinit,media=cdrom',
  ide3: 'local:iso/os.iso,media=cdrom',
  scsi0: 'local-lvm:vm-1150-disk-0,size=8G',
};
const vm = (more: Partial<VmProps>): VmProps => ({ node_name: 'pve1', vm_id: 1150, ...more });

describe('drives that moved to another slot', () => {
  it('GIVEN a plan with its cloud-init drive on sata0 WHEN the VM has one on ide2 THEN ide2 leaves; without initialization nothing does', () => {
    expect(movedDriveChanges(vm({ initialization: { interface: 'sata0' } }), undefined, live)).toEqual([
      {
        key: 'initialization.interface',
        api: 'ide2',
        from: live.ide2,
        to: DRIVE_MOVED,
        forcesReplacement: false,
      },
    ]);
    expect(movedDriveChanges(vm({}), undefined, live)).toEqual([]);
  });

  it("GIVEN the plan's CD-ROM moved from ide3 to sata1 WHEN compared with the last plan THEN ide3 leaves, and other CD-ROMs stay", () => {
    const now = vm({ cdrom: { file_id: 'local:iso/os.iso', interface: 'sata1' } });
    expect(movedDriveChanges(now, { cdrom: { file_id: 'local:iso/os.iso' } }, live)).toEqual([
      { key: 'cdrom.interface', api: 'ide3', from: live.ide3, to: DRIVE_MOVED, forcesReplacement: false },
    ]);
    expect(movedDriveChanges(now, undefined, live)).toEqual([]);
  });

  it('GIVEN a cloud-init move WHEN the VM runs THEN it is refused with what to do; when stopped it goes ahead', () => {
    const changes = movedDriveChanges(vm({ initialization: { interface: 'sata0' } }), undefined, live);
    expect(() => refuseCloudInitMoveWhileRunning('s/Vm', changes, 'sata0', true)).toThrow(
      expect.objectContaining({
        code: 'ENGINE_CANNOT_APPLY',
        message: expect.stringContaining(
          's/Vm: moving the cloud-init drive from ide2 to sata0 needs the VM stopped',
        ),
        hint: expect.stringContaining('started: false'),
      }),
    );
    expect(() => refuseCloudInitMoveWhileRunning('s/Vm', changes, 'sata0', false)).not.toThrow();
  });
});
