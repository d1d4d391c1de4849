import { SynthError } from './errors.ts';

const SECRET_SYMBOL = Symbol.for('pvecdk.SecretValue');

export type SecretSource = 'env' | 'file' | 'generated';

/** The plan form of a secret: where to find it, never the value. */
export interface SecretReferenceJson {
  /** `env:NAME`, `file:path` or `generated:name`. */
  readonly secret: string;
}

/**
 * A secret by reference. The plan records only where the value lives
 * (`env:NAME`, `file:path`, `generated:name`); the engine reads it at deploy.
 * There is deliberately no way to build one from a literal value.
 */
export class SecretValue {
  /** A secret read from an environment variable at deploy time. */
  static env(name: string): SecretValue {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new SynthError(
        'SYNTH_INVALID_SECRET',
        `SecretValue.env('${name}'): not a valid environment variable name`,
        'use letters, digits and underscores, not starting with a digit',
      );
    }
    return new SecretValue('env', name);
  }

  /** A secret read from a file (relative paths are relative to the project root). */
  static file(path: string): SecretValue {
    if (path.trim() === '' || path.includes('\n')) {
      throw new SynthError('SYNTH_INVALID_SECRET', 'SecretValue.file(): the path is empty or spans lines');
    }
    return new SecretValue('file', path);
  }

  /**
   * A secret the engine generates once and keeps in the local secret store
   * (mode 0600), e.g. a VPN user's certificate key or an RDS user's password.
   */
  static generated(name: string): SecretValue {
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(name)) {
      throw new SynthError(
        'SYNTH_INVALID_SECRET',
        `SecretValue.generated('${name}'): not a valid secret name`,
        'use letters, digits and . _ / -, starting with a letter or digit',
      );
    }
    return new SecretValue('generated', name);
  }

  static isSecretValue(x: unknown): x is SecretValue {
    return typeof x === 'object' && x !== null && SECRET_SYMBOL in x;
  }

  readonly source: SecretSource;
  readonly name: string;

  private constructor(source: SecretSource, name: string) {
    this.source = source;
    this.name = name;
    Object.defineProperty(this, SECRET_SYMBOL, { value: true });
  }

  /** `env:NAME`, `file:path` or `generated:name`. */
  get reference(): string {
    return `${this.source}:${this.name}`;
  }

  toJSON(): SecretReferenceJson {
    return { secret: this.reference };
  }

  toString(): string {
    return `SecretValue(${this.reference})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
