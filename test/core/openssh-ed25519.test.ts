import { generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import {
  generateOpenSshEd25519KeyPair,
  openSshEd25519KeyPair,
} from '../../lib/core/private/openssh-ed25519.ts';
import { ed25519PairProblem, generateEd25519KeyPair } from '../../lib/sim/guests/ed25519-key.ts';

/** The raw 32-byte public key of a pair's `ssh-ed25519 AAAA...` line. */
function rawPublicKey(line: string): Buffer {
  const blob = Buffer.from(line.split(' ')[1]!, 'base64');
  const typeLength = blob.readUInt32BE(0);
  const keyLength = blob.readUInt32BE(4 + typeLength);
  return blob.subarray(8 + typeLength, 8 + typeLength + keyLength);
}

describe('OpenSSH ed25519 key pairs', () => {
  it('GIVEN 500 generated pairs WHEN ssh2 parses each THEN every one parses, is ed25519, matches its public line and signs what its public key verifies', () => {
    const refused: string[] = [];
    for (let i = 0; i < 500; i++) {
      const pair = generateOpenSshEd25519KeyPair(`key-${i}`);
      const problem = ed25519PairProblem(pair);
      if (problem) {
        refused.push(`${i}: ${problem}`);
        continue;
      }
      const priv = ssh2.utils.parseKey(pair.private) as ssh2.ParsedKey;
      const pub = ssh2.utils.parseKey(pair.public) as ssh2.ParsedKey;
      const data = Buffer.from(`message ${i}`);
      if (pub.verify(data, priv.sign(data) as Buffer) !== true)
        refused.push(`${i}: signature does not verify`);
      if (rawPublicKey(pair.public).length !== 32) refused.push(`${i}: public key not 32 bytes`);
      if (priv.comment !== `key-${i}`) refused.push(`${i}: comment ${priv.comment}`);
    }
    expect(refused).toEqual([]);
  });

  it('GIVEN a key whose public key starts with a zero byte (the one in 256 that ssh2’s generator writes short) WHEN written THEN all 32 bytes are kept and ssh2 parses it', () => {
    // Bounded search: a first byte of 0 comes once in 256 keys; 20 000 tries miss it with odds below 1e-34.
    let found: ReturnType<typeof openSshEd25519KeyPair> | undefined;
    for (let i = 0; i < 20_000 && !found; i++) {
      const { privateKey } = generateKeyPairSync('ed25519');
      const x = Buffer.from((privateKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
      if (x[0] === 0) found = openSshEd25519KeyPair(privateKey);
    }
    expect(found).toBeDefined();
    const raw = rawPublicKey(found!.public);
    expect(raw.length).toBe(32);
    expect(raw[0]).toBe(0);
    expect(ed25519PairProblem(found!)).toBeUndefined();
  });

  it('GIVEN the emulator’s generator WHEN it hands out a pair THEN the pair passed the ssh2 check; a broken pair is named', () => {
    expect(ed25519PairProblem(generateEd25519KeyPair())).toBeUndefined();
    const pair = generateOpenSshEd25519KeyPair();
    const other = generateOpenSshEd25519KeyPair();
    expect(ed25519PairProblem({ private: pair.private, public: other.public })).toMatch(
      /not the private key/,
    );
    expect(ed25519PairProblem({ private: 'garbage', public: pair.public })).toMatch(/^private key: /);
    // A public key one byte short, as ssh2's generator writes a key whose first byte is 0.
    const short = Buffer.from(pair.public.split(' ')[1]!, 'base64');
    const cut = Buffer.concat([short.subarray(0, 15), Buffer.from([0, 0, 0, 31]), short.subarray(20)]);
    expect(
      ed25519PairProblem({ private: pair.private, public: `ssh-ed25519 ${cut.toString('base64')}` }),
    ).toMatch(/^public key: /);
  });
});
