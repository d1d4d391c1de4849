import { Customer } from 'pvecdk';
import './acme.ts'; // carol also works on acme's server
import { platform } from './platform.ts';

export const globex = new Customer(platform, 'globex', {
  number: 2,
  servers: [{ name: 'globex-main', highAvailability: true }],
  users: [
    { name: 'globex.carol', fullName: 'Carol Nguyen', vpn: true, servers: ['globex-main', 'acme-main'] },
  ],
});
