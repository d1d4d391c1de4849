export * from './guest-command.ts';
export * from './guest-file.ts';
export * from './pfsense-config.ts';
export * from './rds-shortcut.ts';
export * from './rds-user.ts';
export * from './vpn-user.ts';
