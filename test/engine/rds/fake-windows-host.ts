import { createHash } from 'node:crypto';
import type { GuestSession, GuestTransport } from '../../../lib/engine/guest/guest-transport.ts';
import { STDIN_LOADER } from '../../../lib/engine/guest/powershell-stdin.ts';
import { powerShellDialect } from '../../../lib/ssh/dialects.ts';
import type { ExecOptions, ExecResult } from '../../../lib/ssh/exec-command.ts';

/**
 * A model of the Windows RDS host for the RDS handlers' tests: accounts,
 * groups, profiles, files, shortcuts and Windows Firewall rules as data. It
 * runs the scripts the handlers send by their kind and parameters (the first
 * two lines every RDS script carries, `# pvecdk <kind>` and `$p = '<json>'`):
 * it does what each kind's PowerShell does, it does not interpret PowerShell
 * (the scripts' syntax is checked by the grammar test). Every script run is
 * logged with whether it changed anything.
 */
export interface FakeAccount {
  name: string;
  sid: string;
  fullName: string;
  enabled: boolean;
  password: string;
  groups: Set<string>;
}

export interface FakeRule {
  name: string;
  displayName: string;
  group: string;
  action: string;
  direction: string;
  enabled: boolean;
  protocol: string;
  ports: string;
  addresses: string[];
  localUser: string;
}

export interface FakeLnk {
  target: string;
  arguments: string;
  description: string;
}

export interface ScriptRun {
  readonly kind: string;
  readonly changed: boolean;
  /** The full command line and stdin as sent, for checks that no secret is in the command. */
  readonly command: string;
  readonly stdin: string;
}

type Params = Record<string, unknown>;
const key = (path: string) => path.toLowerCase();
const parent = (path: string) => path.slice(0, path.lastIndexOf('\\'));

export class FakeWindowsHost {
  readonly accounts = new Map<string, FakeAccount>();
  readonly profiles = new Set<string>();
  readonly files = new Map<string, Buffer>();
  readonly lnks = new Map<string, FakeLnk>();
  readonly dirs = new Set<string>();
  readonly rules = new Map<string, FakeRule>();
  readonly log: ScriptRun[] = [];
  /** Makes converge scripts skip firewall rules, as a broken guest would: for the not-converged test. */
  ignoreRules = false;
  private nextSid = 1001;

  account(name: string): FakeAccount | undefined {
    return this.accounts.get(name.toLowerCase());
  }

  rulesOf(user: string): FakeRule[] {
    return [...this.rules.values()].filter((r) => r.name.split('/')[1] === user);
  }

  /** Runs since `from` that changed something. */
  changingRuns(from = 0): ScriptRun[] {
    return this.log.slice(from).filter((r) => !r.kind.endsWith(': read'));
  }

  transport(): GuestTransport & { sessions: number } {
    const host = this;
    const t = {
      sessions: 0,
      async session(address: { dialect: string }): Promise<GuestSession> {
        if (address.dialect !== 'powershell')
          throw new Error(`the RDS host speaks PowerShell, not ${address.dialect}`);
        t.sessions++;
        return host.session();
      },
      async close() {},
    };
    return t;
  }

  session(): GuestSession {
    return {
      description: 'pvecdk@rds:22',
      dialect: 'powershell',
      exec: async (command: string, options: ExecOptions) => this.exec(command, options),
      upload: async () => {
        throw new Error('the RDS handlers do not upload');
      },
      download: async () => undefined,
    };
  }

  private exec(command: string, options: ExecOptions): ExecResult {
    if (command !== powerShellDialect.command(STDIN_LOADER))
      throw new Error(`expected the stdin loader, got another command (${command.length} characters)`);
    const stdin = Buffer.from(options.stdin ?? '').toString('utf8');
    const { script, env } = JSON.parse(stdin) as { script: string; env: Record<string, string> };
    const m = /^# pvecdk ([^\n]+)\n\$p = '((?:[^']|'')*)' \| ConvertFrom-Json\n/.exec(script);
    if (!m) throw new Error('not an RDS script: no kind and parameter lines');
    const kind = m[1]!;
    const p = JSON.parse(m[2]!.replace(/''/g, "'")) as Params;
    const before = this.snapshot();
    const stdout = this.run(kind, p, env);
    const changed = this.snapshot() !== before;
    this.log.push({ kind, changed, command, stdin });
    const text = kind.endsWith(': read') ? stdout : `pvecdk:${changed ? 'changed' : 'unchanged'}\n`;
    return {
      code: 0,
      signal: undefined,
      stdout: text,
      stderr: '',
      stdoutBuffer: Buffer.from(text),
      stderrBuffer: Buffer.alloc(0),
    };
  }

  /** Everything the host holds, as one string: whether a script changed anything. */
  private snapshot(): string {
    return JSON.stringify([
      [...this.accounts.values()].map((a) => ({ ...a, groups: [...a.groups].sort() })),
      [...this.profiles].sort(),
      [...this.files].map(([k, v]) => [k, v.toString('base64')]).sort(),
      [...this.lnks].sort(),
      [...this.dirs].sort(),
      [...this.rules].sort(),
    ]);
  }

  private run(kind: string, p: Params, env: Record<string, string>): string {
    switch (kind) {
      case 'rds-user: read':
        return this.readUser(p);
      case 'rds-user: converge':
        return this.convergeUser(p, env);
      case 'rds-user: retire':
        return this.retireUser(p);
      case 'rds-shortcut: read':
        return this.readShortcut(p);
      case 'rds-shortcut: converge':
        return this.convergeShortcut(p);
      case 'rds-shortcut: remove':
        for (const f of [p.lnk, p.link] as string[]) {
          this.lnks.delete(key(f));
          this.files.delete(key(f));
        }
        return '';
      default:
        throw new Error(`the fake host does not know scripts of kind ${kind}`);
    }
  }

  private readUser(p: Params): string {
    const a = this.account(String(p.user));
    if (!a) return '{"exists":false}\n';
    const groups = (p.groups as string[]).filter((g) => a.groups.has(g));
    const rules = this.rulesOf(a.name).map((r) => ({
      name: r.name,
      action: r.action,
      direction: r.direction,
      enabled: r.enabled,
      protocol: r.protocol,
      ports: r.ports,
      // As PowerShell 5.1 may write a one-element list: the element alone.
      addresses: r.addresses.length === 1 ? r.addresses[0] : r.addresses,
      localUser: r.localUser,
    }));
    return `${JSON.stringify({ exists: true, sid: a.sid, fullName: a.fullName, enabled: a.enabled, groups, rules })}\n`;
  }

  private convergeUser(p: Params, env: Record<string, string>): string {
    const name = String(p.user);
    let a = this.account(name);
    if (!a) {
      const initial = env.PVECDK_PASSWORD;
      if (!initial) throw new Error(`account ${name} does not exist and no initial password was given`);
      a = {
        name,
        sid: `S-1-5-21-1-2-3-${this.nextSid++}`,
        fullName: String(p.fullName),
        enabled: true,
        password: initial,
        groups: new Set(),
      };
      this.accounts.set(name.toLowerCase(), a);
    }
    if (a.fullName !== p.fullName) a.fullName = String(p.fullName);
    a.enabled = true;
    for (const g of p.groups as string[]) a.groups.add(g);
    if (this.ignoreRules) return '';
    const sddl = `D:(A;;CC;;;${a.sid})`;
    const rules = p.rules as Array<{
      name: string;
      displayName: string;
      action: string;
      ports: string;
      addresses: string[];
    }>;
    for (const r of rules) {
      const want: FakeRule = {
        name: r.name,
        displayName: r.displayName,
        group: String(p.ruleGroup),
        action: r.action,
        direction: 'Outbound',
        enabled: true,
        protocol: 'TCP',
        ports: r.ports,
        addresses: [...r.addresses],
        localUser: sddl,
      };
      const have = this.rules.get(r.name);
      if (
        !have ||
        JSON.stringify({ ...have, displayName: '' }) !== JSON.stringify({ ...want, displayName: '' })
      )
        this.rules.set(r.name, want);
    }
    for (const stale of this.rulesOf(name))
      if (!rules.some((r) => r.name === stale.name)) this.rules.delete(stale.name);
    return '';
  }

  private retireUser(p: Params): string {
    const name = String(p.user);
    const a = this.account(name);
    if (a) a.enabled = false;
    for (const r of this.rulesOf(name)) this.rules.delete(r.name);
    for (const folder of p.folders as string[]) {
      const k = key(folder);
      this.dirs.delete(k);
      for (const map of [this.files, this.lnks] as Map<string, unknown>[])
        for (const f of [...map.keys()]) if (f.startsWith(`${k}\\`)) map.delete(f);
    }
    if (p.deleteAccount === true && a) {
      this.profiles.delete(a.sid);
      this.accounts.delete(name.toLowerCase());
    }
    return '';
  }

  private readShortcut(p: Params): string {
    const file = this.files.get(key(String(p.link)));
    const lnk = this.lnks.get(key(String(p.lnk)));
    return `${JSON.stringify({
      link: file ? createHash('sha256').update(file).digest('hex').toUpperCase() : null,
      lnk: lnk ?? null,
    })}\n`;
  }

  private convergeShortcut(p: Params): string {
    for (const dir of [parent(String(p.link)), parent(String(p.lnk))]) this.dirs.add(key(dir));
    const link = key(String(p.link));
    const have = this.files.get(link);
    const hash = have ? createHash('sha256').update(have).digest('hex').toUpperCase() : null;
    if (hash !== p.linkSha256) this.files.set(link, Buffer.from(String(p.linkBase64), 'base64'));
    const want = {
      target: String(p.target),
      arguments: String(p.arguments),
      description: String(p.description),
    };
    const lnk = this.lnks.get(key(String(p.lnk)));
    if (JSON.stringify(lnk) !== JSON.stringify(want)) this.lnks.set(key(String(p.lnk)), want);
    return '';
  }
}
