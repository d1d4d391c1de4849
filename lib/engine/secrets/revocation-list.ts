import forge from 'node-forge';
import type { KeyAndCert } from './certificates.ts';

const { asn1 } = forge;
const T = asn1.Type;
const C = asn1.Class;

/** One revoked certificate as a CRL lists it. */
export interface RevokedEntry {
  /** The certificate's serial number, in hex (as node-forge and `openssl x509 -serial` show it). */
  readonly serial: string;
  readonly revokedAt: Date;
}

export interface RevocationListInput {
  /** The CA that signs the list: the list names it as issuer and carries its key identifier. */
  readonly ca: KeyAndCert;
  readonly revoked: readonly RevokedEntry[];
  /** The CRL number: grows with every new list (RFC 5280 5.2.3), so relying parties keep the newest. */
  readonly number: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

// Object identifiers (RFC 5280, PKCS#1).
const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const OID_AUTHORITY_KEY_ID = '2.5.29.35';
const OID_CRL_NUMBER = '2.5.29.20';
const OID_REASON_CODE = '2.5.29.21';
/** CRLReason cessationOfOperation: the user left; nothing was compromised. */
const REASON_CESSATION_OF_OPERATION = 5;

const seq = (items: forge.asn1.Asn1[]) => asn1.create(C.UNIVERSAL, T.SEQUENCE, true, items);

/** A DER INTEGER from a non-negative whole number or a hex magnitude, with the sign octet it needs. */
function integer(value: number | string): forge.asn1.Asn1 {
  let hex = typeof value === 'number' ? value.toString(16) : value.toLowerCase().replace(/^0+(?=.)/, '');
  if (hex.length % 2) hex = `0${hex}`;
  // A set top bit would read as negative: a leading zero octet keeps it positive.
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return asn1.create(C.UNIVERSAL, T.INTEGER, false, forge.util.hexToBytes(hex));
}

/** UTCTime up to 2049, GeneralizedTime from 2050 on, as RFC 5280 4.1.2.5 says. */
function time(date: Date): forge.asn1.Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(C.UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(C.UNIVERSAL, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

function extension(oid: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([
    asn1.create(C.UNIVERSAL, T.OID, false, asn1.oidToDer(oid).getBytes()),
    asn1.create(C.UNIVERSAL, T.OCTETSTRING, false, asn1.toDer(value).getBytes()),
  ]);
}

const sha256WithRsa = () =>
  seq([
    asn1.create(C.UNIVERSAL, T.OID, false, asn1.oidToDer(OID_SHA256_WITH_RSA).getBytes()),
    asn1.create(C.UNIVERSAL, T.NULL, false, ''),
  ]);

/** The CA's subject key identifier, which the list repeats as its authority key identifier. */
function keyIdentifier(caCert: forge.pki.Certificate): string {
  const ski = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  // The CAs made here always carry one; an imported CA without it gets the RFC 5280 method-1 id.
  return ski?.subjectKeyIdentifier
    ? forge.util.hexToBytes(ski.subjectKeyIdentifier)
    : caCert.generateSubjectKeyIdentifier().getBytes();
}

/**
 * An X.509 v2 certificate revocation list (RFC 5280 section 5) signed by the
 * CA with SHA-256, in PEM: what OpenVPN's `crl-verify` and pfSense's `<crl>`
 * read. node-forge signs certificates but builds no CRL, so the DER is put
 * together here from its ASN.1 primitives.
 */
export function buildRevocationList(input: RevocationListInput): string {
  const caCert = forge.pki.certificateFromPem(input.ca.cert);
  const caKey = forge.pki.privateKeyFromPem(input.ca.key) as forge.pki.rsa.PrivateKey;
  const entries = input.revoked.map((r) =>
    seq([
      integer(r.serial),
      time(r.revokedAt),
      seq([
        extension(
          OID_REASON_CODE,
          asn1.create(C.UNIVERSAL, T.ENUMERATED, false, String.fromCharCode(REASON_CESSATION_OF_OPERATION)),
        ),
      ]),
    ]),
  );
  const extensions = seq([
    extension(OID_AUTHORITY_KEY_ID, seq([asn1.create(C.CONTEXT_SPECIFIC, 0, false, keyIdentifier(caCert))])),
    extension(OID_CRL_NUMBER, integer(input.number)),
  ]);
  const tbs = seq([
    integer(1), // v2: needed for the extensions
    sha256WithRsa(),
    forge.pki.distinguishedNameToAsn1(caCert.subject),
    time(input.thisUpdate),
    time(input.nextUpdate),
    // An empty list is left out rather than written as an empty SEQUENCE (RFC 5280 5.1.2.6).
    ...(entries.length ? [seq(entries)] : []),
    asn1.create(C.CONTEXT_SPECIFIC, 0, true, [extensions]),
  ]);
  const md = forge.md.sha256.create();
  md.update(asn1.toDer(tbs).getBytes());
  const signature = caKey.sign(md);
  const list = seq([
    tbs,
    sha256WithRsa(),
    asn1.create(C.UNIVERSAL, T.BITSTRING, false, `\u0000${signature}`),
  ]);
  return forge.pem.encode({ type: 'X509 CRL', body: asn1.toDer(list).getBytes() }).replace(/\r\n/g, '\n');
}

/** A certificate's serial number in hex, for revoking it. */
export function serialOf(certPem: string): string {
  return forge.pki.certificateFromPem(certPem).serialNumber.toLowerCase();
}
