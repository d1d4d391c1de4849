import { Customer } from 'pvecdk';
import { platform } from './platform.ts';

export const acme = new Customer(platform, 'acme', {
  number: 1,
  servers: [{ name: 'acme-main', cores: 4, memoryMiB: 8192, dataDiskGb: 100 }],
  users: [
    { name: 'acme.alice', fullName: 'Alice Martin', vpn: true, servers: ['acme-main'] },
    { name: 'acme.bob', fullName: 'Bob Durand', vpn: true, servers: ['acme-main'] },
  ],
});
