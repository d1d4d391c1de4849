import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Network namespaces a test makes and removes itself: `ip netns` as root.
 * Every command is bounded; `cleanup` kills what was started and deletes
 * what was made, whatever failed before.
 */
export class Namespaces {
  readonly suffix = randomBytes(3).toString('hex');
  private readonly made: string[] = [];
  private readonly processes: ChildProcess[] = [];
  private readonly etcDirs: string[] = [];

  /** Why namespaces cannot be made here, or undefined when they can. */
  static unavailable(): string | undefined {
    if (process.platform !== 'linux') return 'not Linux';
    if (process.getuid?.() !== 0) return 'not root: ip netns needs CAP_SYS_ADMIN';
    for (const tool of ['ip', 'openvpn', 'nft']) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
    }
    const probe = `pvecdk-probe-${randomBytes(3).toString('hex')}`;
    const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8', timeout: 10_000 });
    if (added.status !== 0) return `ip netns add failed: ${added.stderr.trim()}`;
    spawnSync('ip', ['netns', 'del', probe], { timeout: 10_000 });
    return undefined;
  }

  add(base: string): string {
    const name = `${base}-${this.suffix}`;
    this.run('ip', 'netns', 'add', name);
    this.made.push(name);
    this.exec(name, 'ip', 'link', 'set', 'lo', 'up');
    return name;
  }

  /** Files `ip netns exec` bind-mounts over /etc inside `ns` (e.g. hosts). */
  etc(ns: string, files: Record<string, string>): void {
    const dir = `/etc/netns/${ns}`;
    mkdirSync(dir, { recursive: true });
    this.etcDirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(`${dir}/${name}`, text);
  }

  run(...command: string[]): string {
    const r = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 15_000 });
    if (r.status !== 0) throw new Error(`${command.join(' ')}: ${r.stderr || r.error?.message}`);
    return r.stdout;
  }

  exec(ns: string, ...command: string[]): string {
    return this.run('ip', 'netns', 'exec', ns, ...command);
  }

  /** A long-running process in `ns` whose output is collected; killed by `cleanup`. */
  start(ns: string, command: string[], cwd: string): { process: ChildProcess; output: () => string } {
    const child = spawn('ip', ['netns', 'exec', ns, ...command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.processes.push(child);
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
    });
    return { process: child, output: () => text };
  }

  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  async cleanup(): Promise<void> {
    for (const child of this.processes) await this.stop(child);
    for (const name of this.made.reverse()) spawnSync('ip', ['netns', 'del', name], { timeout: 10_000 });
    for (const dir of this.etcDirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until `done()` or the deadline; bounded polling, no timing assertion. */
export async function waitFor(what: string, done: () => boolean, timeoutMs: number, detail: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${detail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
