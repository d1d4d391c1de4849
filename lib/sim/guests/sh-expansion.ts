import type { Shell } from './sh-dialect.ts';
import type { ShList, Word } from './sh-parser.ts';
import { ShExit, type ShIo } from './sh-process.ts';

/** Word expansion: tilde, parameters, command substitution, field splitting and pathname expansion (globs). */

/** The default IFS: fields split at spaces, tabs and newlines. */
export const IFS = /[ \t\n]+/;

export async function expandWords(shell: Shell, words: Word[], io: ShIo): Promise<string[]> {
  const out: string[] = [];
  for (const w of words) out.push(...(await expandWord(shell, w, io, true)));
  return out;
}

/**
 * Parameter expansion, command substitution, field splitting (of unquoted
 * results) and pathname expansion (unquoted `*`, `?`, `[...]` that match
 * something); `split` false gives one field (assignments, redirections).
 */
export async function expandWord(shell: Shell, word: Word, io: ShIo, split: boolean): Promise<string[]> {
  const fields: Array<{ text: string; pattern: string; hasGlob: boolean }> = [];
  let cur: { text: string; pattern: string; hasGlob: boolean } | undefined;
  const add = (text: string, quoted: boolean) => {
    cur ??= { text: '', pattern: '', hasGlob: false };
    cur.text += text;
    if (quoted) cur.pattern += text.replace(/[*?[\]\\]/g, '\\$&');
    else {
      cur.pattern += text;
      if (/[*?[]/.test(text)) cur.hasGlob = true;
    }
  };
  const addSplit = (value: string) => {
    if (!split) return add(value, true);
    // A separator ends the field before it; empty pieces make no field.
    value.split(IFS).forEach((piece, i) => {
      if (i > 0 && cur) {
        fields.push(cur);
        cur = undefined;
      }
      if (piece) add(piece, false);
    });
  };
  for (const [i, part] of word.entries()) {
    if (part.kind === 'lit' && i === 0 && !part.quoted && part.text.startsWith('~')) {
      // Tilde expansion of an unquoted leading ~ or ~user.
      const m = /^~([A-Za-z0-9._-]*)(?=\/|$)/.exec(part.text);
      const home = m ? (m[1] ? shell.guest.account(m[1])?.home : shell.vars.get('HOME')) : undefined;
      if (m && home !== undefined) {
        add(home, true);
        add(part.text.slice(m[0].length), false);
        continue;
      }
    }
    if (part.kind === 'lit') add(part.text, part.quoted);
    else if (part.kind === 'param') {
      const value = await param(shell, part, io);
      if (part.quoted) add(value, true);
      else addSplit(value);
    } else {
      const value = await commandSubstitution(shell, part.script, io);
      if (part.quoted) add(value, true);
      else addSplit(value);
    }
  }
  if (cur) fields.push(cur);
  const result: string[] = [];
  for (const f of fields) {
    if (split && f.hasGlob) {
      const matches = glob(shell, f.pattern);
      if (matches.length) {
        result.push(...matches);
        continue;
      }
    }
    result.push(f.text);
  }
  return result;
}

async function param(
  shell: Shell,
  part: Extract<Word[number], { kind: 'param' }>,
  io: ShIo,
): Promise<string> {
  const special: Record<string, () => string> = {
    '?': () => String(shell.status),
    $: () => '4242',
    '#': () => '0',
    '@': () => '',
    '*': () => '',
    '!': () => '',
    '0': () => shell.argv0,
  };
  const get = (): string | undefined =>
    special[part.name]
      ? special[part.name]!()
      : /^\d$/.test(part.name)
        ? undefined
        : shell.vars.get(part.name);
  let value = get();
  if (part.length) return String((value ?? '').length);
  if (part.op) {
    const unsetOrNull = value === undefined || (part.op.colon && value === '');
    const word = async () => (await expandWord(shell, part.op!.word, io, false)).join('');
    switch (part.op.op) {
      case '-':
        if (unsetOrNull) return word();
        break;
      case '=':
        if (unsetOrNull) {
          value = await word();
          shell.vars.set(part.name, value);
        }
        break;
      case '+':
        return unsetOrNull ? '' : word();
      case '?':
        if (unsetOrNull) {
          const text =
            (await word()) || (value === undefined ? 'parameter not set' : 'parameter null or not set');
          throw new ExpansionError(shell.message(part.name, text), 1, true);
        }
        break;
    }
  }
  if (value === undefined && shell.nounset && !['@', '*'].includes(part.name)) {
    throw new ExpansionError(
      shell.guest.flavour === 'bash'
        ? shell.message(part.name, 'unbound variable')
        : `sh: ${part.name}: parameter not set\n`,
      shell.guest.flavour === 'bash' ? 127 : 2,
      true,
    );
  }
  return value ?? '';
}

async function commandSubstitution(shell: Shell, script: ShList, io: ShIo): Promise<string> {
  const sub = shell.fork();
  const chunks: Buffer[] = [];
  let status: number;
  try {
    status = await sub.list(script, {
      stdin: io.stdin,
      out: { write: (c) => chunks.push(Buffer.from(c)) },
      err: io.err,
    });
  } catch (e) {
    if (!(e instanceof ShExit)) throw e;
    status = e.code;
  }
  shell.status = status;
  return Buffer.concat(chunks).toString('utf8').replace(/\n+$/, '');
}

/** Pathname expansion of one pattern against the guest's tree; sorted matches or none. */
function glob(shell: Shell, pattern: string): string[] {
  const fs = shell.guest.fs;
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let paths = [absolute ? '/' : ''];
  for (const seg of segments.slice(absolute ? 1 : 0)) {
    const next: string[] = [];
    const isPattern = /(^|[^\\])[*?[]/.test(seg);
    for (const base of paths) {
      const dir = base === '' ? shell.cwd : base;
      if (!isPattern) {
        const literal = seg.replace(/\\(.)/g, '$1');
        const candidate = base === '' ? literal : base === '/' ? `/${literal}` : `${base}/${literal}`;
        if (fs.exists(candidate, shell.cwd)) next.push(candidate);
        continue;
      }
      let names: string[];
      try {
        names = fs.readdir(dir, { cwd: shell.cwd, cred: shell.cred });
      } catch {
        continue;
      }
      const re = globToRegExp(seg);
      for (const n of names) {
        if (n.startsWith('.') && !seg.startsWith('.')) continue;
        if (re.test(n)) next.push(base === '' ? n : base === '/' ? `/${n}` : `${base}/${n}`);
      }
    }
    paths = next;
    if (!paths.length) return [];
  }
  return paths.sort();
}

/** A failed expansion (`${x?}`, an unset variable under `set -u`): its message, status, and whether the shell exits. */
export class ExpansionError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fatal: boolean,
  ) {
    super(message);
  }
}

function globToRegExp(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '\\' && i + 1 < seg.length) re += `\\${seg[++i]}`;
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
