import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * An ed25519 key pair in OpenSSH's formats (`-----BEGIN OPENSSH PRIVATE
 * KEY-----`, unencrypted, and the `ssh-ed25519 AAAA...` public line), made
 * with node:crypto. ssh2's own generateKeyPairSync('ed25519') strips leading
 * zero bytes from the public key, so about one key in 256 comes out malformed
 * (mscdex/ssh2 issues #1390, #1513); this one writes the 32 bytes as they are.
 */
export function generateEd25519KeyPair(comment = ''): { private: string; public: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as { d: string; x: string };
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = Buffer.from(jwk.x, 'base64url');
  const str = (value: Buffer | string) => {
    const data = typeof value === 'string' ? Buffer.from(value) : value;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, data]);
  };
  const publicBlob = Buffer.concat([str('ssh-ed25519'), str(pub)]);
  const check = randomBytes(4);
  const secret = Buffer.concat([
    check,
    check,
    str('ssh-ed25519'),
    str(pub),
    str(Buffer.concat([seed, pub])),
    str(comment),
  ]);
  const padding: number[] = [];
  for (let i = 1; (secret.length + padding.length) % 8 !== 0; i++) padding.push(i);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    str('none'),
    str('none'),
    str(''),
    count,
    str(publicBlob),
    str(Buffer.concat([secret, Buffer.from(padding)])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    private: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    public: `ssh-ed25519 ${publicBlob.toString('base64')}${comment ? ` ${comment}` : ''}`,
  };
}
