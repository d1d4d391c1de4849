import { createHash } from 'node:crypto';
import { findOwnedEntries, type OwnedEntries } from './config-xml-merge.ts';
import { PFSENSE_ENTRY_KINDS } from './pfsense-entry-kinds.ts';
import { childText, scanXml } from './xml-scan.ts';

/**
 * The config.xml entries of one OpenVPN user on pfSense: their certificate
 * (`<cert>`, public part only: the private key lives in the user's profile,
 * never on the router), their client-specific override (`<openvpn-csc>`,
 * rendered at synth) and the CA's revocation list (`<crl>`, shared by every
 * user and referenced by the server's `<crlref>`). The CRL is an imported one
 * (`method` existing, no `<cert>` children), which pfSense's crl_update()
 * leaves as it is: pvecdk signs it with the CA key it keeps.
 */

/** pfSense refids are 13 hex digits; derived from a name as lib/render/pfsense-openvpn.ts derives them. */
export function refidOf(name: string): string {
  return createHash('sha256').update(`refid:${name}`).digest('hex').slice(0, 13);
}

/** The names VpnAccess gives the CA and the CRL (their refids derive from these). */
export const CA_NAME = 'pvecdk-vpn-ca';
export const CRL_NAME = 'pvecdk-vpn-crl';
export const userCertRefid = (userName: string) => refidOf(`vpn-user:${userName}`);

const base64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');
const xmlText = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function userCertEntry(userName: string, certPem: string): string {
  return [
    '<cert>',
    `  <refid>${userCertRefid(userName)}</refid>`,
    `  <descr>${xmlText(userName)}</descr>`,
    '  <type>user</type>',
    `  <caref>${refidOf(CA_NAME)}</caref>`,
    `  <crt>${base64(certPem)}</crt>`,
    '</cert>',
  ].join('\n');
}

export function crlEntry(crlPem: string): string {
  return [
    '<crl>',
    `  <refid>${refidOf(CRL_NAME)}</refid>`,
    '  <descr>pvecdk VPN revocations</descr>',
    `  <caref>${refidOf(CA_NAME)}</caref>`,
    '  <method>existing</method>',
    `  <text>${base64(crlPem)}</text>`,
    '</crl>',
  ].join('\n');
}

/** What the merge makes of one user's entries: `present` false removes the certificate and the override. */
export function vpnUserEntrySets(
  user: { readonly name: string; readonly certPem?: string; readonly override?: string },
  crlPem: string,
): OwnedEntries[] {
  const K = PFSENSE_ENTRY_KINDS;
  return [
    {
      kind: K.cert,
      wanted: user.certPem ? [userCertEntry(user.name, user.certPem)] : [],
      formerKeys: [userCertRefid(user.name)],
    },
    { kind: K.openvpnCsc, wanted: user.override ? [user.override] : [], formerKeys: [user.name] },
    { kind: K.crl, wanted: [crlEntry(crlPem)] },
  ];
}

/** One user's entries as a config.xml holds them. */
export interface ObservedVpnUser {
  /** The override, whitespace between tags removed (the merge re-indents it to the file's style). */
  readonly override: string | undefined;
  readonly certPem: string | undefined;
  readonly crlPem: string | undefined;
}

/** XML compared without the indentation between tags. */
export const compactXml = (xml: string) => xml.replace(/>\s+</g, '><').trim();

function field(entryXml: string, name: string): string | undefined {
  const scanned = scanXml(entryXml, 'a config.xml entry');
  const node = scanned.roots[0];
  return node && childText(scanned.text, node, name);
}

const decoded = (b64: string | undefined) =>
  b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');

export function observeVpnUser(configXml: string, userName: string): ObservedVpnUser {
  const K = PFSENSE_ENTRY_KINDS;
  const [csc] = findOwnedEntries(configXml, K.openvpnCsc, [userName]);
  const [cert] = findOwnedEntries(configXml, K.cert, [userCertRefid(userName)]);
  const [crl] = findOwnedEntries(configXml, K.crl, [refidOf(CRL_NAME)]);
  return {
    override: csc && compactXml(csc.xml),
    certPem: cert && decoded(field(cert.xml, 'crt')),
    crlPem: crl && decoded(field(crl.xml, 'text')),
  };
}
