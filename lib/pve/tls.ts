import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { PveError } from './errors.ts';

/** How to trust the cluster's certificate. */
export interface PveTlsOptions {
  /** PEM bundle of the CA that signed the cluster's certificates (e.g. /etc/pve/pve-root-ca.pem). */
  readonly caFile?: string;
  /** SHA-256 fingerprint of the certificate, as the Proxmox GUI shows it (`AB:CD:...`). */
  readonly fingerprint?: string;
}

/** `ab:cd...`, `ABCD...` → `AB:CD:...`; throws on anything that is not 32 bytes of hex. */
export function normaliseFingerprint(text: string): string {
  const hex = text.replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new PveError('PVE_TLS', `'${text}' is not a SHA-256 certificate fingerprint`, {
      hint: 'copy it from the Proxmox GUI: node → System → Certificates → Fingerprint (32 hex pairs separated by colons)',
    });
  }
  return hex.match(/../g)!.join(':');
}

/** Why a certificate is not valid now (`expired on ...`, `is not valid before ...`), or undefined. */
export function outsideValidity(
  cert: { readonly valid_from?: string; readonly valid_to?: string } | undefined,
  now: number,
): string | undefined {
  const from = Date.parse(cert?.valid_from ?? '');
  const to = Date.parse(cert?.valid_to ?? '');
  if (Number.isFinite(to) && now > to) return `expired on ${new Date(to).toISOString()}`;
  if (Number.isFinite(from) && now < from) return `is not valid before ${new Date(from).toISOString()}`;
  return undefined;
}

/**
 * The undici connector for a remote. System CAs by default, a CA file when
 * given; with a fingerprint, chain verification is replaced by comparing the
 * leaf certificate's SHA-256 to the pinned value, and anything else is refused.
 * Verification is never just switched off.
 */
export function tlsConnector(options: PveTlsOptions = {}): buildConnector.connector {
  if (options.fingerprint) {
    const pinned = normaliseFingerprint(options.fingerprint);
    // Session reuse would skip the certificate on later connections: pin every handshake.
    const base = buildConnector({ rejectUnauthorized: false, maxCachedSessions: 0 });
    return (opts, callback) => {
      base(opts, (err, socket) => {
        if (err || !socket)
          return callback(
            err ?? new PveError('PVE_CONNECTION', `no TLS connection to ${opts.hostname}:${opts.port}`),
            null,
          );
        const actual = (socket as TLSSocket).getPeerCertificate?.()?.fingerprint256;
        if (actual !== pinned) {
          socket.destroy();
          return callback(
            new PveError(
              'PVE_TLS',
              `certificate of ${opts.hostname}:${opts.port} does not match the pinned fingerprint: expected ${pinned}, got ${actual ?? 'no certificate'}`,
              { hint: "if the certificate was renewed, update the remote's fingerprint" },
            ),
            null,
          );
        }
        // A pin replaces the chain, not the dates: an expired certificate is refused like an unpinned one.
        const outdated = outsideValidity((socket as TLSSocket).getPeerCertificate?.(), Date.now());
        if (outdated) {
          socket.destroy();
          return callback(
            new PveError('PVE_TLS', `certificate of ${opts.hostname}:${opts.port} ${outdated}`, {
              hint: 'renew the node certificate (Proxmox GUI: node → System → Certificates), then pin its new fingerprint',
            }),
            null,
          );
        }
        callback(null, socket);
      });
    };
  }
  if (options.caFile) {
    let ca: string;
    try {
      ca = readFileSync(options.caFile, 'utf8');
    } catch (e) {
      throw new PveError('PVE_TLS', `cannot read CA file ${options.caFile}: ${(e as Error).message}`, {
        hint: 'point caFile at a readable PEM file, or pin the fingerprint instead',
      });
    }
    return buildConnector({ ca });
  }
  return buildConnector({});
}
