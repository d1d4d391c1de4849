import { App, Platform, SecretValue } from 'pvecdk';

export const app = new App();

/** The shared hosting platform: cluster, bridges, pfSense router, VPN and the RDS host. */
export const platform = new Platform(app, 'platform', {
  cluster: {
    nodes: ['pve1', 'pve2', 'pve3'],
    defaultStorage: 'local-lvm',
    backupStorage: 'nfs-backup',
    templates: { pfsense: 9000, windowsServer: 9001, debian: 9002 },
    managementSource: '10.20.0.2',
    guestSshKey: SecretValue.generated('ssh/guest_ed25519'),
  },
  wan: { physicalPort: 'eno1', routerAddress: '203.0.113.10/24', routerGateway: '203.0.113.1' },
  lan: { cidr: '10.20.0.0/16', vlanAware: true },
  dmz: { cidr: '10.30.0.0/24' },
  vpn: { endpoint: 'vpn.example.com', tunnelNetwork: '10.8.0.0/20' },
});
