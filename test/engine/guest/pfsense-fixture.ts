import { readFileSync } from 'node:fs';
import {
  renderFilterRules,
  renderGateways,
  renderInterfaces,
  renderOpenVpnCertificates,
  renderOpenVpnServer,
} from '../../../lib/render/index.ts';

/** The pfSense router the config.xml tests share: a hand-edited config.xml, the platform's VPN and its sections. */

/** A router's config.xml with entries made by hand in the GUI, which every merge must keep byte for byte. */
export const PFSENSE_CONFIG_XML = readFileSync(
  new URL('./fixtures/pfsense-config.xml', import.meta.url),
  'utf8',
);

/** The platform's OpenVPN server, its secrets given as references. */
export const PLATFORM_VPN = {
  vpnId: 1,
  description: 'pvecdk customers',
  port: 1194,
  tunnelNetwork: '10.8.0.0/20',
  localNetworks: ['10.30.0.0/24'],
  caName: 'pvecdk-vpn-ca',
  serverCertName: 'pvecdk-vpn-server',
  secrets: {
    caCert: 'generated:vpn/ca.crt',
    caKey: 'generated:vpn/ca.key',
    serverCert: 'generated:vpn/server.crt',
    serverKey: 'generated:vpn/server.key',
    tlsCrypt: 'generated:vpn/tls-crypt.key',
  },
};

/** A rule letting VPN clients reach the RDS host on one port. */
export const vpnRule = (description: string, port = '3389') => ({
  interface: 'openvpn',
  type: 'pass' as const,
  protocol: 'tcp' as const,
  source: '10.8.0.0/20',
  destination: '10.30.0.123',
  destinationPort: port,
  description,
});

/** The router's sections pvecdk owns: its interfaces (and gateways), filter rules, the VPN server and its CA and certificate. */
export function routerSections(o: {
  interfaces: Parameters<typeof renderInterfaces>[0];
  gateways?: Parameters<typeof renderGateways>[0];
  rules: Parameters<typeof renderFilterRules>[0];
}): Record<string, string> {
  const certs = renderOpenVpnCertificates(PLATFORM_VPN);
  return {
    interfaces: renderInterfaces(o.interfaces),
    ...(o.gateways ? { gateways: renderGateways(o.gateways) } : {}),
    filter: renderFilterRules(o.rules),
    openvpn: renderOpenVpnServer(PLATFORM_VPN),
    ca: certs.ca,
    cert: certs.cert,
  };
}
