import type { PveApi } from '../../pve/api/pve-api.ts';
import type { StateStore } from '../state-store.ts';
import { creationOfMeta, type GuestHostKeyTrust, type RecordedHostKey } from './host-key-trust.ts';

/**
 * A stack's guest host keys, kept in its state like everything else it
 * records (written before the connection goes on). A read-only run (diff)
 * trusts a new key for the run only: the deploy records it.
 */
export function stateHostKeyTrust(
  state: StateStore,
  api: PveApi,
  options: { readonly readOnly: boolean; readonly notify?: (message: string) => void },
): GuestHostKeyTrust {
  const forRun = new Map<string, RecordedHostKey>();
  return {
    stack: state.state.stack,
    recorded: (id) => forRun.get(id) ?? state.state.guestHostKeys?.[id],
    record: async (id, key) => {
      if (options.readOnly) forRun.set(id, key);
      else await state.recordGuestHostKey(id, key);
    },
    creationOf: async (guest) => {
      try {
        const config = await api.qemuConfig(guest.node_name, guest.vm_id);
        return creationOfMeta((config as Record<string, unknown>).meta);
      } catch {
        // Not readable (gone, no permission): no creation identity, so a changed key stays an error.
        return undefined;
      }
    },
    ...(options.notify ? { notify: options.notify } : {}),
  };
}
