/**
 * `pvecdk/testing`: what a project's own tests need beyond plan assertions, such as an
 * embedded Proxmox VE emulator on a free loopback port to deploy a stack to.
 */
export { type RunningEmulator, type StartEmulatorOptions, startEmulator } from './sim/server.ts';
export { startTestEmulator, type TestEmulator } from './sim/testing.ts';
