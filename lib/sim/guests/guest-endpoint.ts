import type { GuestKind } from './guest-state.ts';

/**
 * Where a running VM's emulated guest answers SSH, as `GET /pvecdk-sim/guests`
 * and `RunningEmulator.guestEndpoints()` publish it for clients in this or
 * another process. Only running VMs have one. The port is the VM's for as
 * long as it runs (a reboot keeps it); while the guest boots it refuses
 * connections (reset at once, as a port no sshd listens on yet), then the
 * guest's sshd answers with the host key whose SHA-256 is given.
 */
export interface GuestEndpoint {
  readonly node: string;
  readonly vmid: number;
  readonly kind: GuestKind;
  /** Always loopback. */
  readonly host: string;
  readonly port: number;
  /** `SHA256:...` as `ssh-keygen -lf` prints it: pin the host key to this. */
  readonly hostKeySha256: string;
  /** `booting`: connections are refused; `up`: sshd answers. */
  readonly state: 'booting' | 'up';
}
