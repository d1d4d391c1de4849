import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import ssh2 from 'ssh2';
import { writeFileAtomic } from '../../core/private/atomic-file.ts';
import {
  createCertificateAuthority,
  createOpenVpnStaticKey,
  createPassword,
  createWireGuardKeyPair,
  issueCertificate,
} from './certificates.ts';
import { SecretError } from './secret-errors.ts';

type Generated = Record<string, string>;

/** Where values the engine received rather than made live (an API token's secret), kept by `remember`. */
export const RECEIVED_PREFIX = 'received/';

/**
 * Generators by secret name. Some make several related secrets at once (a
 * key and its certificate, a key pair); all of them are stored together.
 */
function generate(name: string, get: (name: string) => string): Generated {
  if (name.startsWith(RECEIVED_PREFIX)) {
    // Proxmox showed this value once; making up another would only look like it.
    throw new SecretError(
      'SECRET_UNKNOWN_GENERATOR',
      `secret '${name}' was received from Proxmox when it was created, and this store does not hold it`,
      'it was created from another machine, or the store was lost: delete the object in Proxmox and deploy again to create it anew',
    );
  }
  const ca = () => ({ cert: get('vpn/ca.crt'), key: get('vpn/ca.key') });
  const rules: Array<[RegExp, (m: RegExpExecArray) => Generated]> = [
    [
      /^vpn\/ca\.(crt|key)$/,
      () => {
        const c = createCertificateAuthority('pvecdk VPN CA');
        return { 'vpn/ca.crt': c.cert, 'vpn/ca.key': c.key };
      },
    ],
    [
      /^vpn\/server\.(crt|key)$/,
      () => {
        const c = issueCertificate(ca(), 'pvecdk-vpn-server', 'server');
        return { 'vpn/server.crt': c.cert, 'vpn/server.key': c.key };
      },
    ],
    [
      /^vpn\/users\/([a-z0-9][a-z0-9._-]*)\.(crt|key)$/,
      (m) => {
        const c = issueCertificate(ca(), m[1]!, 'client');
        return { [`vpn/users/${m[1]}.crt`]: c.cert, [`vpn/users/${m[1]}.key`]: c.key };
      },
    ],
    [/^vpn\/tls-crypt\.key$/, () => ({ [name]: createOpenVpnStaticKey() })],
    [
      /^(wg\/(?:users\/)?[a-z0-9._-]+?)\.(key|pub)$/,
      (m) => {
        const pair = createWireGuardKeyPair();
        return { [`${m[1]}.key`]: pair.privateKey, [`${m[1]}.pub`]: pair.publicKey };
      },
    ],
    [/^wg\/.+\.psk$/, () => ({ [name]: randomBytes(32).toString('base64') })],
    [
      /^(ssh\/[a-z0-9._-]+?)(\.pub)?$/,
      (m) => {
        const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'pvecdk' });
        return { [m[1]!]: pair.private, [`${m[1]}.pub`]: pair.public };
      },
    ],
  ];
  for (const [pattern, make] of rules) {
    const m = pattern.exec(name);
    if (m) return make(m);
  }
  if (/\.(crt|key|pub|psk|pem)$/.test(name)) {
    throw new SecretError(
      'SECRET_UNKNOWN_GENERATOR',
      `no generator for secret '${name}'`,
      'key material is generated for vpn/, wg/ and ssh/ names; use SecretValue.file() for others',
    );
  }
  // Anything else is a password.
  return { [name]: createPassword() };
}

/**
 * Resolves secret references at deploy: `env:NAME`, `file:path` and
 * `generated:name`. Generated secrets are made once and kept in
 * `<stateDir>/secrets/<remote>.json` (mode 0600, written atomically), so a
 * second deploy reuses them. Values never go into plans, state or logs.
 */
export class SecretStore {
  private readonly file: string;
  private values: Record<string, string>;

  constructor(
    stateDir: string,
    remote: string,
    private readonly projectDir = process.cwd(),
  ) {
    this.file = join(stateDir, 'secrets', `${remote}.json`);
    this.values = {};
    if (existsSync(this.file)) {
      try {
        this.values = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>;
      } catch (e) {
        throw new SecretError(
          'SECRET_STORE_CORRUPT',
          `${this.file}: ${(e as Error).message}`,
          'restore it from a backup; regenerating would change every generated key',
        );
      }
    }
  }

  resolve(reference: string): string {
    const [source, ...rest] = reference.split(':');
    const name = rest.join(':');
    if (source === 'env') {
      const value = process.env[name];
      if (value === undefined || value === '') {
        throw new SecretError(
          'SECRET_ENV_MISSING',
          `environment variable ${name} is not set`,
          `export ${name}=... before deploying`,
        );
      }
      return value;
    }
    if (source === 'file') {
      const path = isAbsolute(name) ? name : resolve(this.projectDir, name);
      let value: string;
      try {
        value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        throw new SecretError(
          'SECRET_FILE_UNREADABLE',
          `${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          'create the file or fix the path',
        );
      }
      if (!value) throw new SecretError('SECRET_FILE_UNREADABLE', `${path} is empty`);
      return value;
    }
    if (source === 'generated') return this.generated(name);
    throw new SecretError(
      'SECRET_UNKNOWN_GENERATOR',
      `'${reference}' is not a secret reference (env:, file:, generated:)`,
    );
  }

  private generated(name: string): string {
    const known = this.values[name];
    if (known !== undefined) return known;
    const made = generate(name, (other) => this.generated(other));
    this.values = { ...this.values, ...made };
    this.save();
    return made[name]!;
  }

  private save(): void {
    writeFileAtomic(this.file, `${JSON.stringify(this.values, null, 2)}\n`, 0o600);
    chmodSync(this.file, 0o600);
  }

  /**
   * Keeps a value the engine received rather than made, such as the secret
   * Proxmox returns once when it creates an API token, under `name` (which
   * starts with RECEIVED_PREFIX); it then resolves as `generated:<name>`. An
   * existing value is replaced: the object behind it was created anew.
   */
  remember(name: string, value: string): void {
    // Only under the prefix `generate` refuses to invent: a lost value must fail, not change.
    if (!name.startsWith(RECEIVED_PREFIX))
      throw new SecretError(
        'SECRET_NOT_KEPT',
        `secret '${name}': remembered secrets are named ${RECEIVED_PREFIX}...`,
        'this is a bug in pvecdk; please report it with the output of --debug',
      );
    if (!value)
      throw new SecretError(
        'SECRET_NOT_KEPT',
        `secret '${name}': refusing to remember an empty value`,
        'Proxmox answered an empty secret; delete the object (e.g. the API token) in Proxmox and deploy again',
      );
    this.values = { ...this.values, [name]: value };
    this.save();
  }

  /** Drops a remembered value once the object behind it is gone (a deleted API token). */
  forget(name: string): void {
    if (!name.startsWith(RECEIVED_PREFIX) || !(name in this.values)) return;
    const { [name]: _gone, ...rest } = this.values;
    this.values = rest;
    this.save();
  }

  /** Names (never values) of the generated and remembered secrets held. */
  get names(): string[] {
    return Object.keys(this.values).sort();
  }

  toString(): string {
    return `SecretStore(${this.file}, ${this.names.length} secrets)`;
  }
}
