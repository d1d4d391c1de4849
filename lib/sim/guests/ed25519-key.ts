import ssh2 from 'ssh2';
import { generateOpenSshEd25519KeyPair } from '../../core/private/openssh-ed25519.ts';
import { EmulatorError } from '../emulator-errors.ts';

/**
 * An ed25519 key pair in OpenSSH's formats for an emulated guest (its host
 * key) or a test's client, checked the way the guest's sshd will read it:
 * ssh2 must parse both halves, and they must be one key. The writer
 * (core/private/openssh-ed25519.ts) says why ssh2's own generator is not used.
 * A pair that does not pass is never handed out: EMULATOR_HOST_KEY says so at
 * once, instead of a guest that cannot boot later.
 */
export function generateEd25519KeyPair(comment = ''): { private: string; public: string } {
  const pair = generateOpenSshEd25519KeyPair(comment);
  const problem = ed25519PairProblem(pair);
  if (problem)
    throw new EmulatorError(
      'EMULATOR_HOST_KEY',
      `a generated ed25519 key does not parse back with ssh2: ${problem}`,
      'this is a pvecdk bug; report it with the Node.js and ssh2 versions',
    );
  return pair;
}

/** Why ssh2 would refuse a pair (an unparsable half, or halves of two keys); undefined when it is sound. */
export function ed25519PairProblem(pair: { private: string; public: string }): string | undefined {
  const priv = ssh2.utils.parseKey(pair.private);
  if (priv instanceof Error) return `private key: ${priv.message}`;
  const pub = ssh2.utils.parseKey(pair.public);
  if (pub instanceof Error) return `public key: ${pub.message}`;
  const privKey = Array.isArray(priv) ? priv[0] : priv;
  const pubKey = Array.isArray(pub) ? pub[0] : pub;
  if (!privKey || !pubKey) return 'no key in the text';
  if (privKey.type !== 'ssh-ed25519') return `private key of type ${privKey.type}`;
  if (!privKey.getPublicSSH().equals(pubKey.getPublicSSH()))
    return 'the public line is not the private key’s';
  return undefined;
}
