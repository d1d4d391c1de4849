import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';

/**
 * An ed25519 key pair in OpenSSH's formats: the private key as
 * `-----BEGIN OPENSSH PRIVATE KEY-----` (unencrypted, openssh-key-v1) and the
 * public key as the `ssh-ed25519 AAAA... comment` line.
 *
 * Why not ssh2's `utils.generateKeyPairSync('ed25519')`: it reads the public
 * key out of the DER BIT STRING and strips its leading zero bytes, as if it
 * were an integer. An ed25519 public key is 32 raw bytes, and its first byte
 * is 0 for one key in 256; ssh2 then writes a 31-byte key, and its own parser
 * (and OpenSSH) refuse it ("Malformed OpenSSH private key"). Here the 32
 * bytes come from node:crypto's JWK export (`x` public, `d` the seed), which
 * always has them all, and are written as they are.
 */
export function generateOpenSshEd25519KeyPair(comment = ''): { private: string; public: string } {
  return openSshEd25519KeyPair(generateKeyPairSync('ed25519').privateKey, comment);
}

/** An ed25519 private key (node:crypto) written in OpenSSH's formats. */
export function openSshEd25519KeyPair(
  privateKey: KeyObject,
  comment = '',
): { private: string; public: string } {
  const jwk = privateKey.export({ format: 'jwk' }) as { d: string; x: string };
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = Buffer.from(jwk.x, 'base64url');
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  // Two equal random check words: OpenSSH's test that a key decrypted right (ours is not encrypted).
  const check = randomBytes(4);
  const secret = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  // Padded to the cipher block size (8 for `none`) with the bytes 1, 2, 3, ...
  const padding: number[] = [];
  for (let i = 1; (secret.length + padding.length) % 8 !== 0; i++) padding.push(i);
  const keyCount = Buffer.alloc(4);
  keyCount.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    keyCount,
    sshString(publicBlob),
    sshString(Buffer.concat([secret, Buffer.from(padding)])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    private: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    public: `ssh-ed25519 ${publicBlob.toString('base64')}${comment ? ` ${comment}` : ''}`,
  };
}

/** The SSH wire format's `string`: a big-endian uint32 length, then the bytes. */
function sshString(value: Buffer | string): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value) : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}
