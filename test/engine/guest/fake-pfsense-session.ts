import type { GuestSession, GuestTransport } from '../../../lib/engine/guest/guest-transport.ts';
import type { ExecOptions, ExecResult } from '../../../lib/ssh/exec-command.ts';

/**
 * A pfSense router as a guest session sees it, in memory: a config.xml that
 * `download` returns and the write script (config.xml on stdin) replaces,
 * and the PHP the handlers run recorded instead of run. `refuseWrites`
 * answers a write as done but keeps the old file (what a router that
 * restored its backup looks like); `failWrites` answers it with an error.
 */
export class FakePfsense implements GuestSession {
  readonly description = 'pvecdk@10.20.0.1:22';
  readonly dialect = 'pfsense' as const;
  readonly writes: string[] = [];
  readonly php: string[] = [];
  refuseWrites = false;
  failWrites = false;

  constructor(public config: string) {}

  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    const stdin = typeof options.stdin === 'string' ? options.stdin : '';
    const script = decodeSh(command);
    let result = { code: 0, stderr: '' };
    if (script.includes('/cf/conf/config.xml.pvecdk-')) {
      if (this.failWrites) result = { code: 1, stderr: 'cat: write error: No space left on device' };
      else {
        this.writes.push(stdin);
        if (!this.refuseWrites) this.config = stdin;
      }
    } else if (script.includes('/usr/local/bin/php')) {
      this.php.push(stdin);
    } else if (script.includes('/etc/rc.reload_all')) {
      this.php.push('/etc/rc.reload_all');
    } else {
      result = { code: 127, stderr: `fake pfSense: unknown command ${script.slice(0, 60)}` };
    }
    return {
      code: result.code,
      signal: undefined,
      stdout: '',
      stderr: result.stderr,
      stdoutBuffer: Buffer.alloc(0),
      stderrBuffer: Buffer.from(result.stderr),
    };
  }

  async upload(): Promise<void> {
    throw new Error('the fake pfSense takes files on a command stdin only');
  }

  async download(path: string): Promise<Buffer | undefined> {
    return path === '/cf/conf/config.xml' ? Buffer.from(this.config) : undefined;
  }
}

/** The script of a `/bin/sh -c 'eval "$(printf "<octal escapes>")"'` command line, as sh would run it. */
function decodeSh(command: string): string {
  const m = /printf "([^"]*)"/.exec(command);
  if (!m) return command;
  return m[1]!.replace(/\\([0-7]{1,3})/g, (_x, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

export function transportTo(session: GuestSession): GuestTransport & { readonly asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    async session(address) {
      asked.push(address.vm_id);
      return session;
    },
    async close() {},
  };
}
