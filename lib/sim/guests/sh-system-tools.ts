import { Shell } from './sh-dialect.ts';
import type { Proc } from './sh-process.ts';
import { bsd, err, fsError, fsOpts, gq, gqu, options, write } from './sh-tool-kit.ts';

/** The tools about the user, the system and running other programs: `id`, `uname`, `sudo`, `sh`, `sleep`, `env`. */

export function id(p: Proc, args: string[]): number {
  const o = options(p, args, 'ugn');
  if (typeof o === 'number') return o;
  const a = p.shell.account;
  const name = o.operands[0];
  const who = name ? p.shell.guest.account(name) : a;
  if (!who) {
    err(p, bsd(p) ? `${name}: no such user` : `${gq(name!)}: no such user`);
    return 1;
  }
  if (o.flags.has('u')) write(p, `${o.flags.has('n') ? who.name : who.uid}\n`);
  else if (o.flags.has('g')) write(p, `${o.flags.has('n') ? who.name : who.gid}\n`);
  else {
    const groups =
      who.uid === 0
        ? `${who.gid}(${bsd(p) ? 'wheel' : 'root'})`
        : `${who.gid}(${who.name})${who.sudo ? ',27(sudo)' : ''}`;
    write(
      p,
      `uid=${who.uid}(${who.name}) gid=${who.gid}(${who.uid === 0 ? (bsd(p) ? 'wheel' : 'root') : who.name}) groups=${groups}\n`,
    );
  }
  return 0;
}

export function uname(p: Proc, args: string[]): number {
  const o = options(p, args, 'asnrmo');
  if (typeof o === 'number') return o;
  const f = bsd(p)
    ? { s: 'FreeBSD', n: p.shell.guest.hostname, r: '14.0-CURRENT', m: 'amd64', o: 'FreeBSD' }
    : { s: 'Linux', n: p.shell.guest.hostname, r: '6.1.0-25-amd64', m: 'x86_64', o: 'GNU/Linux' };
  if (o.flags.has('a')) write(p, `${f.s} ${f.n} ${f.r} ${f.m} ${f.o}\n`);
  else {
    const parts = (['s', 'n', 'r', 'm', 'o'] as const).filter((k) => o.flags.has(k)).map((k) => f[k]);
    write(p, `${parts.length ? parts.join(' ') : f.s}\n`);
  }
  return 0;
}

export async function sudo(p: Proc, args: string[]): Promise<number> {
  let i = 0;
  let nonInteractive = false;
  let user = 'root';
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '-n') nonInteractive = true;
    else if (a === '-u') user = args[++i] ?? 'root';
    else if (a === '-E' || a === '-H' || a === '-S') continue;
    else if (a.startsWith('-')) {
      err(p, `invalid option -- '${a.slice(1)}'`);
      return 1;
    } else break;
  }
  const argv = args.slice(i);
  if (!argv.length) {
    p.io.err.write('usage: sudo -h | -K | -k | -V\n');
    return 1;
  }
  const me = p.shell.account;
  if (me.uid !== 0 && !me.sudo) {
    if (nonInteractive) p.io.err.write('sudo: a password is required\n');
    else
      p.io.err.write(
        'sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required\n',
      );
    return 1;
  }
  const target = p.shell.guest.account(user);
  if (!target) {
    p.io.err.write(`sudo: unknown user ${user}\nsudo: error initializing audit plugin sudoers_audit\n`);
    return 1;
  }
  const shell = new Shell(
    p.shell.guest,
    target,
    { ...p.env, HOME: target.home, USER: target.name, LOGNAME: target.name },
    p.cwd,
  );
  shell.vars.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  // sudo runs programs (no shell builtins) and reports a missing one itself.
  return shell.exec(
    argv,
    p.io,
    {},
    { builtins: false, notFound: (name) => [`sudo: ${name}: command not found\n`, 1] },
  );
}

export async function sh(p: Proc, args: string[]): Promise<number> {
  const shell = new Shell(p.shell.guest, p.shell.account, p.env, p.cwd);
  let i = 0;
  let script: string | undefined;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c') {
      script = args[i + 1];
      if (script === undefined) {
        p.io.err.write(`${p.name}: -c: option requires an argument\n`);
        return 2;
      }
      break;
    }
    if (/^[-+][eux]+$/.test(a)) {
      if (a.includes('e')) shell.errexit = a[0] === '-';
      if (a.includes('u')) shell.nounset = a[0] === '-';
      continue;
    }
    if (a.startsWith('-')) {
      p.io.err.write(`${p.name}: ${a}: invalid option\n`);
      return 2;
    }
    try {
      script = p.shell.guest.fs.readText(a, fsOpts(p));
    } catch (e) {
      p.io.err.write(`${p.name}: ${a}: ${fsError(e).strerror}\n`);
      return 127;
    }
    break;
  }
  script ??= (await p.io.stdin.readAll()).toString('utf8');
  return shell.run(script, p.io);
}

export function sleep(p: Proc, args: string[]): number {
  if (!args.length || args.some((a) => !/^\d+(\.\d+)?[smhd]?$/.test(a))) {
    const bad = args.find((a) => !/^\d+(\.\d+)?[smhd]?$/.test(a));
    err(p, bad === undefined ? 'missing operand' : `invalid time interval ${gqu(bad)}`);
    if (!bsd(p)) p.io.err.write(`Try '${p.name} --help' for more information.\n`);
    return 1;
  }
  // The emulator does not make anyone wait.
  return 0;
}

export async function env(p: Proc, args: string[]): Promise<number> {
  const assigned: Record<string, string> = {};
  let i = 0;
  for (; i < args.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i]!); i++) {
    const a = args[i]!;
    assigned[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
  }
  if (i >= args.length) {
    for (const [k, v] of Object.entries({ ...p.env, ...assigned })) write(p, `${k}=${v}\n`);
    return 0;
  }
  return p.shell.exec(args.slice(i), p.io, assigned, {
    builtins: false,
    notFound: (n) => [`env: ${gq(n)}: No such file or directory\n`, 127],
  });
}
