import { createHash } from 'node:crypto';
import { SshError } from './ssh-errors.ts';
import { describeTarget, type PresentedHostKey, pinnedFingerprints, type SshTarget } from './ssh-target.ts';

/** `SHA256:…` of a raw SSH public key blob, exactly as OpenSSH prints it (base64 without padding). */
export function sha256Fingerprint(rawKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(rawKey).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name at the start of a raw SSH public key blob (`ssh-ed25519`, …). */
export function hostKeyType(rawKey: Buffer): string {
  if (rawKey.length < 4) return 'unknown';
  const len = rawKey.readUInt32BE(0);
  if (len === 0 || len > 64 || rawKey.length < 4 + len) return 'unknown';
  return rawKey.subarray(4, 4 + len).toString('latin1');
}

/** Fingerprint of an OpenSSH public key line (`ssh-ed25519 AAAA… comment`), e.g. from a guest's *.pub file. */
export function fingerprintOfPublicKey(line: string): string {
  const blob = line.trim().split(/\s+/)[1];
  if (!blob || !/^[A-Za-z0-9+/]+=*$/.test(blob))
    throw new SshError('SSH_TARGET_INVALID', 'not an OpenSSH public key line', {
      hint: "pass a line of the guest's /etc/ssh/ssh_host_*_key.pub: type, base64 key, comment",
    });
  return sha256Fingerprint(Buffer.from(blob, 'base64'));
}

/** What happened while the host key was checked: read after the handshake, for the error or the session. */
export interface HostKeyCheck {
  presented?: PresentedHostKey;
  accepted?: PresentedHostKey;
  refusal?: string;
}

/**
 * An ssh2 `hostVerifier` for a target: the SHA-256 of the raw key must equal a pinned
 * fingerprint, or, with none pinned, the trust-on-first-use callback must return it.
 * A rekey later in the connection must present the key accepted first. The key is
 * checked during key exchange, before authentication, so a refused key means nothing
 * (no user name, no credential, no command) was sent.
 */
export function makeHostVerifier(
  target: SshTarget,
  check: HostKeyCheck,
): (key: Buffer, verify: (valid: boolean) => void) => void {
  const pinned = pinnedFingerprints(target);
  return (key, verify) => {
    const presented: PresentedHostKey = {
      host: target.host,
      port: target.port,
      keyType: hostKeyType(key),
      fingerprint: sha256Fingerprint(key),
    };
    check.presented = presented;
    const decide = (ok: boolean, refusal?: string) => {
      if (ok) check.accepted ??= presented;
      else check.refusal = refusal;
      verify(ok);
    };
    if (check.accepted) {
      decide(
        check.accepted.fingerprint === presented.fingerprint,
        'the host key changed during the connection',
      );
      return;
    }
    if (pinned.length > 0) {
      decide(pinned.includes(presented.fingerprint), 'mismatch');
      return;
    }
    const accept = target.acceptNewHostKey;
    if (!accept) {
      decide(false, 'no fingerprint is pinned and no acceptNewHostKey callback was given');
      return;
    }
    Promise.resolve()
      .then(() => accept(presented))
      .then(
        (recorded) =>
          decide(
            recorded === presented.fingerprint,
            recorded === undefined
              ? 'acceptNewHostKey declined the key'
              : `acceptNewHostKey returned ${recorded}, not the presented fingerprint`,
          ),
        (e: unknown) =>
          decide(false, `acceptNewHostKey failed: ${e instanceof Error ? e.message : String(e)}`),
      );
  };
}

/** SSH_HOST_KEY for a refused key: expected vs got, and what to do. */
export function hostKeyError(target: SshTarget, check: HostKeyCheck): SshError {
  const got = check.presented
    ? `${check.presented.fingerprint} (${check.presented.keyType})`
    : 'no key (the handshake failed before one was presented)';
  const pinned = pinnedFingerprints(target);
  const where = describeTarget(target);
  if (check.refusal === 'mismatch' || (pinned.length > 0 && check.refusal === undefined)) {
    return new SshError(
      'SSH_HOST_KEY',
      `host key mismatch: expected ${pinned.join(' or ')}, got ${got}; the connection was closed before anything was sent`,
      {
        target: where,
        hint:
          `if the guest was reinstalled or its host keys were regenerated, read the new fingerprint on the guest's console ` +
          `(ssh-keygen -lf /etc/ssh/ssh_host_${keyFileType(check.presented?.keyType)}_key.pub; on Windows ` +
          `C:\\ProgramData\\ssh\\ssh_host_${keyFileType(check.presented?.keyType)}_key.pub) and update the pinned hostKey; ` +
          `if nothing changed on the guest, do not connect: something may be intercepting the connection`,
      },
    );
  }
  return new SshError('SSH_HOST_KEY', `host key ${got} not accepted: ${check.refusal ?? 'refused'}`, {
    target: where,
    hint: 'pin the fingerprint read on the guest console (hostKey), or accept it in acceptNewHostKey',
  });
}

function keyFileType(keyType: string | undefined): string {
  if (keyType === 'ssh-rsa' || keyType?.startsWith('rsa-')) return 'rsa';
  if (keyType?.startsWith('ecdsa-')) return 'ecdsa';
  return 'ed25519';
}
