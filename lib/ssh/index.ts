export * from './dialects.ts';
export * from './exec-command.ts';
export * from './host-key.ts';
export * from './sftp-transfer.ts';
export * from './ssh-connect.ts';
export * from './ssh-errors.ts';
export * from './ssh-session.ts';
export * from './ssh-target.ts';
