import { GuestFsError } from './guest-fs.ts';
import type { Shell } from './sh-dialect.ts';
import { expandWord } from './sh-expansion.ts';
import type { Redirect } from './sh-parser.ts';
import type { ShIo, Sink } from './sh-process.ts';

/** A command's redirections: here-documents, files read, written and appended, fd duplication, /dev/null. */

/** Applies redirections; a number is the failure status (the command does not run). */
export async function applyRedirects(
  shell: Shell,
  redirects: Redirect[],
  io: ShIo,
): Promise<{ io: ShIo; close: () => void } | number> {
  let { stdin, out, err } = io;
  const files: Array<{ path: string; chunks: Buffer[] }> = [];
  const fs = shell.guest.fs;
  for (const r of redirects) {
    if (r.heredoc) {
      const text =
        r.heredoc.expand && r.heredoc.word
          ? (await expandWord(shell, r.heredoc.word, io, false)).join('')
          : r.heredoc.body;
      const data = Buffer.from(text);
      stdin = { readAll: async () => data };
      continue;
    }
    const target = (await expandWord(shell, r.target ?? [], io, false)).join('');
    if (r.op === '>&' || r.op === '<&') {
      if (r.fd === 1 && target === '2') out = err;
      else if (r.fd === 2 && target === '1') err = out;
      else if (target !== String(r.fd)) {
        io.err.write(shell.message(target, 'Bad file descriptor'));
        return 1;
      }
      continue;
    }
    if (r.fd > 2) {
      io.err.write(shell.message(String(r.fd), 'Bad file descriptor'));
      return 1;
    }
    const isNull = target === '/dev/null';
    try {
      if (r.op === '<') {
        const data = isNull ? Buffer.alloc(0) : fs.readFile(target, { cwd: shell.cwd, cred: shell.cred });
        if (r.fd === 0) stdin = { readAll: async () => data };
        continue;
      }
      let sink: Sink;
      if (isNull) sink = { write: () => {} };
      else {
        fs.writeFile(target, '', { cwd: shell.cwd, cred: shell.cred, append: r.op === '>>' });
        const file = { path: fs.resolve(target, { cwd: shell.cwd }), chunks: [] as Buffer[] };
        files.push(file);
        sink = { write: (c) => file.chunks.push(Buffer.from(c)) };
      }
      if (r.fd === 1) out = sink;
      else if (r.fd === 2) err = sink;
    } catch (e) {
      if (!(e instanceof GuestFsError)) throw e;
      io.err.write(
        shell.guest.flavour === 'bash'
          ? shell.message(target, e.strerror)
          : `sh: cannot ${r.op === '<' ? 'open' : 'create'} ${target}: ${e.strerror}\n`,
      );
      return 1;
    }
  }
  return {
    io: { stdin, out, err },
    close: () => {
      for (const f of files) {
        if (f.chunks.length) fs.writeFile(f.path, Buffer.concat(f.chunks), { append: true });
      }
    },
  };
}
