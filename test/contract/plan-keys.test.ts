import { describe, expect, it } from 'vitest';
import { userPropertyPath } from '../../lib/contract/plan-keys.ts';
import { backupJobType } from '../../lib/contract/types/datacenter.ts';
import { pfsenseConfigType } from '../../lib/contract/types/guest.ts';
import { vmType } from '../../lib/contract/types/vm.ts';

describe('plan paths in the stack file’s terms', () => {
  it('GIVEN plan paths of a VM WHEN shown to a user THEN keys are camelCase as the L1 config writes them and list items keep their index', () => {
    expect(userPropertyPath('cpu.cores', vmType.plan)).toBe('cpu.cores');
    expect(userPropertyPath('on_boot', vmType.plan)).toBe('onBoot');
    expect(userPropertyPath('network_device[0].mac_address', vmType.plan)).toBe(
      'networkDevice[0].macAddress',
    );
    expect(userPropertyPath('initialization.user_account.password', vmType.plan)).toBe(
      'initialization.userAccount.password',
    );
    expect(userPropertyPath('initialization.ip_config[1].ipv4.address', vmType.plan)).toBe(
      'initialization.ipConfig[1].ipv4.address',
    );
  });

  it('GIVEN keys of data maps and names the contract does not have WHEN shown THEN they are kept as given', () => {
    expect(userPropertyPath('prune_backups.keep-daily', backupJobType.plan)).toBe('pruneBackups.keep-daily');
    expect(userPropertyPath('sections.some_section', pfsenseConfigType.plan)).toBe('sections.some_section');
    expect(userPropertyPath('file_size', vmType.plan)).toBe('file_size');
    expect(userPropertyPath('(replace)', vmType.plan)).toBe('(replace)');
    expect(userPropertyPath('notes_template', undefined)).toBe('notes_template');
  });
});
