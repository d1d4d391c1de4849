import { echo, printf, test } from './sh-builtins.ts';
import { basename, chmod, chown, dirname, ls, readlink, realpath, which } from './sh-file-attr-tools.ts';
import { cat, cp, ln, mkdir, mktemp, mv, rm, rmdir, touch } from './sh-file-tools.ts';
import type { Proc } from './sh-process.ts';
import { env, id, sh, sleep, sudo, uname } from './sh-system-tools.ts';
import { base64, grep, head, seq, sha256, sha256sum, tail, tee, wc } from './sh-text-tools.ts';
import { type Tool, write } from './sh-tool-kit.ts';

/**
 * The tools the emulated Linux and pfSense guests have, each a faithful
 * subset: the options listed per tool, GNU coreutils' messages on Linux
 * (as Debian 12 prints them in a UTF-8 locale) and FreeBSD's on pfSense.
 * An option a tool does not know fails as the real tool does
 * (`invalid option`, status 1 or 2), never silently.
 *
 * This module is their registry (name to tool); the tools live by family in
 * sh-builtins, sh-file-tools, sh-file-attr-tools, sh-text-tools and sh-system-tools.
 */

/** Run inside the shell itself (bash's builtins): found without PATH. */
export const SHELL_BUILTINS = new Set(['echo', 'printf', 'test', '[', 'true', 'false', 'pwd']);

const TOOLS: Record<string, Tool> = {
  echo,
  printf,
  test,
  '[': test,
  true: () => 0,
  false: () => 1,
  pwd: (p) => {
    write(p, `${p.cwd}\n`);
    return 0;
  },
  cat,
  mkdir,
  rm,
  rmdir,
  mv,
  cp,
  chmod,
  chown,
  touch,
  ls,
  sha256sum,
  sha256,
  base64,
  tee,
  head,
  id,
  whoami: (p) => {
    write(p, `${p.shell.account.name}\n`);
    return 0;
  },
  hostname: (p) => {
    write(p, `${p.shell.guest.hostname}\n`);
    return 0;
  },
  uname,
  sudo,
  sync: () => 0,
  sleep,
  sh,
  bash: sh,
  dash: sh,
  ln,
  readlink,
  grep,
  wc,
  mktemp,
  dirname,
  basename,
  realpath,
  seq,
  env,
  tail,
  which,
};

/** Runs a tool by name; a stub whose tool the emulator lacks says so rather than pretending. */
export async function runProgram(p: Proc, name: string, args: string[]): Promise<number> {
  const tool = TOOLS[name];
  if (!tool) {
    p.io.err.write(`${name}: not implemented by the pvecdk guest emulator\n`);
    return 126;
  }
  return tool({ ...p, name }, args);
}
