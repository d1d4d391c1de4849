export type { CriticalChangeOptions } from './critical-change-options.ts';
export { GuestCommand } from './guest-command.ts';
export { GuestFile } from './guest-file.ts';
export { PfsenseConfig } from './pfsense-config.ts';
export { RdsShortcut } from './rds-shortcut.ts';
export { RdsUser } from './rds-user.ts';
export { VpnUser } from './vpn-user.ts';
