import { z } from 'zod';
import type { KeyAndCert } from './certificates.ts';
import { buildRevocationList, serialOf } from './revocation-list.ts';
import { SecretError } from './secret-errors.ts';
import type { KeptEdit } from './secret-store.ts';

/**
 * The VPN CA's revocations, kept in the secret store beside the CA: the
 * record (`vpn/ca.revocations`, JSON) and the CRL signed from it
 * (`vpn/ca.crl`, PEM). The record only grows; the CRL is signed anew only when
 * it does (or nears its next update), so a re-deploy finds the same CRL and
 * changes nothing on the router.
 */
export const CRL_NAME = 'vpn/ca.crl';
export const REVOCATIONS_NAME = 'vpn/ca.revocations';
const CA_CERT = 'vpn/ca.crt';
const CA_KEY = 'vpn/ca.key';

/** A CRL is valid ten years (the CA's own lifetime) and signed anew when less than one is left. */
const CRL_DAYS = 3650;
const RENEW_DAYS = 365;
const DAY_MS = 86_400_000;

const RevocationRecordSchema = z.strictObject({
  /** The CRL number of the list last signed. */
  number: z.number().int().positive(),
  /** The CA certificate's serial the list was signed for: another CA (a restored store) signs anew. */
  caSerial: z.string(),
  nextUpdate: z.iso.datetime(),
  revoked: z.array(
    z.strictObject({ serial: z.string(), commonName: z.string(), revokedAt: z.iso.datetime() }),
  ),
});
export type RevocationRecord = z.infer<typeof RevocationRecordSchema>;

/** The part of the SecretStore the CA's revocations use. */
export interface RevocationStore {
  resolve(reference: string): string;
  stored(name: string): string | undefined;
  edit<T>(change: (current: Readonly<Record<string, string>>) => KeptEdit<T>): T;
}

/** The user certificate and key names in the store. */
export const userCertificateNames = (userName: string) => ({
  cert: `vpn/users/${userName}.crt`,
  key: `vpn/users/${userName}.key`,
});

function sign(ca: KeyAndCert, record: Omit<RevocationRecord, 'nextUpdate' | 'caSerial'>, now: Date) {
  const nextUpdate = new Date(now.getTime() + CRL_DAYS * DAY_MS);
  const crl = buildRevocationList({
    ca,
    number: record.number,
    thisUpdate: now,
    nextUpdate,
    revoked: record.revoked.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt) })),
  });
  const next: RevocationRecord = {
    ...record,
    caSerial: serialOf(ca.cert),
    nextUpdate: nextUpdate.toISOString(),
  };
  return { [CRL_NAME]: crl, [REVOCATIONS_NAME]: `${JSON.stringify(next)}\n` };
}

/** The first, empty list of a new CA: what the store's generator makes for `vpn/ca.crl`. */
export function initialRevocations(ca: KeyAndCert, now = new Date()): Record<string, string> {
  return sign(ca, { number: 1, revoked: [] }, now);
}

function parseRecord(text: string | undefined): RevocationRecord | undefined {
  if (text === undefined) return undefined;
  let parsed: ReturnType<typeof RevocationRecordSchema.safeParse>;
  try {
    parsed = RevocationRecordSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = RevocationRecordSchema.safeParse(undefined);
  }
  if (!parsed.success)
    throw new SecretError(
      'SECRET_STORE_CORRUPT',
      `the VPN CA's revocation record '${REVOCATIONS_NAME}' in the secret store is not valid`,
      'restore the secret store from a backup: the record is what keeps removed users revoked',
    );
  return parsed.data;
}

function caOf(current: Readonly<Record<string, string>>): KeyAndCert {
  const cert = current[CA_CERT];
  const key = current[CA_KEY];
  if (!cert || !key)
    throw new SecretError(
      'SECRET_UNKNOWN_GENERATOR',
      'the VPN CA (vpn/ca.crt, vpn/ca.key) is not in the secret store',
      'deploy the stack that declares the VpnAccess first; the CA is made once and kept',
    );
  return { cert, key };
}

/** Signs the list anew when it is missing, was signed by another CA, or nears its next update. */
function freshen(current: Readonly<Record<string, string>>, now: Date): KeptEdit<string> {
  const ca = caOf(current);
  const record = parseRecord(current[REVOCATIONS_NAME]);
  const crl = current[CRL_NAME];
  const stale =
    !record ||
    !crl ||
    record.caSerial !== serialOf(ca.cert) ||
    new Date(record.nextUpdate).getTime() - now.getTime() < RENEW_DAYS * DAY_MS;
  if (!stale) return { result: crl };
  const set = sign(ca, { number: (record?.number ?? 0) + 1, revoked: record?.revoked ?? [] }, now);
  return { set, result: set[CRL_NAME]! };
}

/** The CA's current CRL (PEM), made or signed anew when needed. */
export function currentRevocationList(store: RevocationStore, now = new Date()): string {
  store.resolve(`generated:${CA_CERT}`); // makes the CA on first use, as a user certificate would
  return store.edit((current) => freshen(current, now));
}

/**
 * Revokes a user's certificate: its serial joins the record, the CRL is
 * signed anew with the next number, and the certificate and key leave the
 * store (a user added again later gets a new certificate, not the revoked
 * one). A user with no certificate in the store (never issued, or already
 * revoked) changes nothing. Returns the revoked serial, if any.
 */
export function revokeUserCertificate(
  store: RevocationStore,
  userName: string,
  now = new Date(),
): string | undefined {
  const names = userCertificateNames(userName);
  if (store.stored(names.cert) === undefined) return undefined;
  return store.edit((current) => {
    const cert = current[names.cert];
    if (cert === undefined) return { result: undefined };
    const ca = caOf(current);
    const record = parseRecord(current[REVOCATIONS_NAME]);
    const serial = serialOf(cert);
    const revoked = record?.revoked ?? [];
    const entry = { serial, commonName: userName, revokedAt: now.toISOString() };
    const set = sign(
      ca,
      {
        number: (record?.number ?? 0) + 1,
        revoked: revoked.some((r) => r.serial === serial) ? revoked : [...revoked, entry],
      },
      now,
    );
    return { set, drop: [names.cert, names.key], result: serial };
  });
}

/** The serials the record lists as revoked. */
export function revokedSerials(store: Pick<RevocationStore, 'stored'>): string[] {
  return (parseRecord(store.stored(REVOCATIONS_NAME))?.revoked ?? []).map((r) => r.serial);
}
