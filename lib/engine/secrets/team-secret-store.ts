import { dirname, join } from 'node:path';
import { withFileMutex } from '../file-mutex.ts';
import { makePrivateDir } from '../private-dir.ts';
import { decryptFiles, encryptTexts, recipientOfIdentity } from './age-bridge.ts';
import { identityFilePath, identityMismatch, readIdentities, shortRecipient } from './age-identity.ts';
import { SecretError } from './secret-errors.ts';
import {
  EntryPlaintextSchema,
  readTeamFile,
  sameRecipients,
  TEAM_FILE_FORMAT,
  type TeamFile,
  writeTeamFile,
} from './team-secret-file.ts';

/** Where a project keeps its team secrets, and for whom. */
export interface TeamSecretsOptions {
  /** The committed store, `pvecdk.secrets.json` beside cdk.json. */
  readonly file: string;
  /** The recipients cdk.json lists: every write encrypts to these. */
  readonly recipients: readonly string[];
  /** The mutex writers of this clone take (in the git-ignored state folder). */
  readonly mutex: string;
  /** The identity file; default: identityFilePath(). */
  readonly identityFile?: string;
}

type Secrets = Record<string, string>;

/** How long a write waits for another process's: generating a CA key under load takes seconds. */
const MUTEX_WAIT_MS = 60_000;

/** The mutex of a project's team store: one for every remote, since they share one file. */
export function teamMutexPath(stateDir: string): string {
  return join(stateDir, 'secrets', 'team-store.lock-mutex');
}

/**
 * The team store of one project, read and written with this process's age
 * identities. Nothing is decrypted until a value is wanted, so a process
 * without an identity can open it (diff, doctor) and fails, with a coded
 * error, only when it needs a value.
 *
 * Concurrency as the plain store: every write re-reads the file under a file
 * mutex, changes only what it is about, and replaces the file atomically.
 */
export class TeamSecretFile {
  #identities: readonly string[] | undefined;
  #ownRecipients: readonly string[] | undefined;
  /** Values already decrypted, by remote, name and ciphertext: an unchanged entry is opened once. */
  readonly #opened = new Map<string, string>();

  constructor(readonly options: TeamSecretsOptions) {
    // Read now, so a damaged store stops a run before it changes anything.
    readTeamFile(options.file);
  }

  get identityFile(): string {
    return this.options.identityFile ?? identityFilePath();
  }

  /** This process's identities; SECRET_NO_IDENTITY or SECRET_IDENTITY_INVALID without usable ones. */
  identities(): readonly string[] {
    this.#identities ??= readIdentities(this.identityFile);
    return this.#identities;
  }

  /** The recipients of this process's identities. */
  ownRecipients(): readonly string[] {
    this.#ownRecipients ??= this.identities().map(recipientOfIdentity);
    return this.#ownRecipients;
  }

  /** The file as it is now. */
  read(): TeamFile | undefined {
    return readTeamFile(this.options.file);
  }

  /** Names kept for `remote`, without decrypting anything. */
  names(remote: string): string[] {
    return Object.keys(this.read()?.remotes[remote] ?? {}).sort();
  }

  /**
   * Fails with the coded error a run without access would meet, before it
   * changes anything: this process must hold an identity the file is
   * encrypted to, and, `forWriting`, one cdk.json lists (every write
   * encrypts to cdk.json's recipients: a run that could not keep what it
   * makes, such as a token secret Proxmox shows once, must not start).
   */
  checkAccess(doc = this.read(), forWriting = false): void {
    const ours = this.ownRecipients();
    const readers = doc?.recipients ?? this.options.recipients;
    const canRead = ours.some((r) => readers.includes(r));
    const listed = ours.some((r) => this.options.recipients.includes(r));
    if (canRead && (listed || !forWriting)) return;
    if (canRead)
      throw new SecretError(
        'SECRET_IDENTITY_MISMATCH',
        `cdk.json no longer lists a recipient of the identities in ${this.identityFile}, so this run could ` +
          `not keep the secrets it makes (writes encrypt to cdk.json's ${this.options.recipients.map(shortRecipient).join(', ')})`,
        'run with an identity cdk.json lists, or have yours added back (`pvecdk secrets recipients add <your age1…>`)',
      );
    if (doc && listed)
      throw new SecretError(
        'SECRET_IDENTITY_MISMATCH',
        `cdk.json lists your recipient (${ours.map(shortRecipient).join(', ')}), but ${this.options.file} ` +
          `is still encrypted to ${doc.recipients.map(shortRecipient).join(', ')} only`,
        'an operator who can read the store runs `pvecdk secrets recipients add <your age1…>` (it re-encrypts) and commits',
      );
    throw identityMismatch(this.options.file, this.identityFile, readers);
  }

  /** Every value of `remote`, decrypted. */
  values(remote: string, doc = this.read()): Secrets {
    const entries = doc?.remotes[remote] ?? {};
    if (Object.keys(entries).length === 0) return {};
    this.checkAccess(doc);
    const names = Object.keys(entries).sort();
    const key = (name: string) => `${remote}\u0000${name}\u0000${entries[name]}`;
    const closed = names.filter((n) => !this.#opened.has(key(n)));
    const opened = decryptFiles(
      closed.map((n) => Buffer.from(entries[n]!, 'base64')),
      this.identities(),
    );
    for (const [i, name] of closed.entries()) {
      const outcome = opened[i]!;
      const where = `${this.options.file}: the entry ${remote} / ${name}`;
      if ('error' in outcome) {
        if (/no identity matched/i.test(outcome.error))
          throw new SecretError(
            'SECRET_IDENTITY_MISMATCH',
            `${where} is not encrypted to any identity in ${this.identityFile} (the store was edited outside pvecdk)`,
            'an operator who can read it runs `pvecdk secrets recipients add <your age1…>`, which re-encrypts every entry',
          );
        // The package's reason names the damage (a bad header, a failed MAC), never a value.
        throw new SecretError(
          'SECRET_STORE_CORRUPT',
          `${where} cannot be decrypted (${outcome.error}): it is damaged or truncated`,
          'restore the file from version control; regenerating would change every generated key',
        );
      }
      let plain: unknown;
      try {
        plain = JSON.parse(outcome.text);
      } catch {
        plain = undefined;
      }
      const parsed = EntryPlaintextSchema.safeParse(plain);
      if (!parsed.success || parsed.data.remote !== remote || parsed.data.name !== name)
        throw new SecretError(
          'SECRET_STORE_CORRUPT',
          `${where} decrypts to something else than that secret (an entry moved by a bad merge, or not written by pvecdk)`,
          'restore the file from version control',
        );
      this.#opened.set(key(name), parsed.data.value);
    }
    return Object.fromEntries(names.map((n) => [n, this.#opened.get(key(n))!]));
  }

  /**
   * Changes `remote`'s values as `change` says, from the file read afresh
   * under the mutex; `next` undefined leaves the file as it is.
   */
  update<T>(remote: string, change: (current: Secrets) => { next: Secrets | undefined; result: T }): T {
    return this.locked(() => {
      const doc = this.read();
      const { next, result } = change(this.values(remote, doc));
      if (next) this.write(doc, { [remote]: next });
      return result;
    });
  }

  /**
   * Re-encrypts every entry of every remote to `recipients` (a recipient
   * added or removed), or to cdk.json's list; `extra` adds remotes' values
   * (a migration), refusing a name both hold with different values.
   */
  reencrypt(recipients = this.options.recipients, extra: Readonly<Record<string, Secrets>> = {}): void {
    this.locked(() => {
      const doc = this.read();
      const all: Record<string, Secrets> = {};
      for (const remote of Object.keys(doc?.remotes ?? {})) all[remote] = this.values(remote, doc);
      for (const [remote, values] of Object.entries(extra)) {
        all[remote] ??= {};
        const kept = all[remote];
        for (const [name, value] of Object.entries(values)) {
          if (kept[name] !== undefined && kept[name] !== value)
            throw new SecretError(
              'SECRET_MIGRATE_CONFLICT',
              `secret ${remote} / ${name} is in both the local store and ${this.options.file}, with different values`,
              'keep the one the deployed objects use: remove the name from the other store, then migrate again',
            );
          kept[name] = value;
        }
      }
      this.write(doc, all, recipients);
    });
  }

  private locked<T>(body: () => T): T {
    makePrivateDir(dirname(this.options.mutex));
    const busy = (owner: { pid: number; hostname: string; since: string } | undefined) =>
      new SecretError(
        'SECRET_STORE_LOCKED',
        owner
          ? `${this.options.file} is being written by pid ${owner.pid} on ${owner.hostname} since ${owner.since}`
          : `${this.options.file} is being written by another process`,
        `wait for the other pvecdk to finish; if it died on another machine, remove ${this.options.mutex}`,
      );
    return withFileMutex(this.options.mutex, { timeoutMs: MUTEX_WAIT_MS, busy }, body);
  }

  /**
   * Writes `changed` remotes' values (the others as they are), encrypted to
   * `recipients`. With the recipients unchanged, an entry whose value did not
   * change keeps its ciphertext (a diff shows only what changed); otherwise
   * every entry of every remote is re-encrypted.
   */
  private write(
    doc: TeamFile | undefined,
    changed: Readonly<Record<string, Secrets>>,
    recipients = this.options.recipients,
  ): void {
    if (recipients.length === 0)
      throw new SecretError(
        'SECRET_RECIPIENTS_LOCKOUT',
        `refusing to write ${this.options.file} for no recipient: nobody could read it`,
        'keep at least one recipient in cdk.json "secrets.recipients"',
      );
    if (!this.ownRecipients().some((r) => recipients.includes(r)))
      throw new SecretError(
        'SECRET_RECIPIENTS_LOCKOUT',
        `refusing to encrypt ${this.options.file} to ${recipients.map(shortRecipient).join(', ')}: ` +
          `no identity in ${this.identityFile} is among them, so this process could not read what it writes`,
        'add your own recipient too, or let an operator whose identity stays listed make the change',
      );
    const reuse = doc !== undefined && sameRecipients(doc.recipients, recipients);
    const remotes: Record<string, Secrets> = { ...(doc?.remotes ?? {}) };
    const values: Record<string, Secrets> = { ...changed };
    if (!reuse) for (const remote of Object.keys(remotes)) values[remote] ??= this.values(remote, doc);
    const pending: Array<{ remote: string; name: string; value: string }> = [];
    for (const [remote, secrets] of Object.entries(values)) {
      const before = doc?.remotes[remote] ?? {};
      const now = reuse ? this.values(remote, doc) : {};
      remotes[remote] = {};
      for (const [name, value] of Object.entries(secrets)) {
        if (reuse && now[name] === value && before[name]) remotes[remote][name] = before[name];
        else pending.push({ remote, name, value });
      }
      if (Object.keys(remotes[remote]).length === 0 && pending.every((p) => p.remote !== remote))
        delete remotes[remote];
    }
    const sealed = encryptTexts(
      pending.map((p) => JSON.stringify({ remote: p.remote, name: p.name, value: p.value })),
      [...recipients].sort(),
    );
    for (const [i, p] of pending.entries())
      remotes[p.remote]![p.name] = Buffer.from(sealed[i]!).toString('base64');
    writeTeamFile(this.options.file, {
      format: TEAM_FILE_FORMAT,
      recipients: [...new Set(recipients)].sort(),
      remotes,
    });
  }
}
