import { createHash } from 'node:crypto';
import type { Proc } from './sh-process.ts';
import { bsd, err, fsError, fsOpts, gq, gqu, options, readInputs, write } from './sh-tool-kit.ts';

/** The tools that filter and digest text and bytes: checksums, `base64`, `tee`, `head`, `tail`, `grep`, `wc`, `seq`. */

export async function sha256sum(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'bt');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    err(p, `${f}: ${e.strerror}`);
    status = 1;
  });
  for (const i of inputs) write(p, `${createHash('sha256').update(i.data).digest('hex')}  ${i.name}\n`);
  return status;
}

/** FreeBSD's `sha256 [-q] [file]`. */
export async function sha256(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'qr');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    err(p, `${f}: ${e.strerror}`);
    status = 1;
  });
  for (const i of inputs) {
    const hex = createHash('sha256').update(i.data).digest('hex');
    write(p, o.flags.has('q') || i.name === '-' ? `${hex}\n` : `SHA256 (${i.name}) = ${hex}\n`);
  }
  return status;
}

export async function base64(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'diw', 'w');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands.slice(0, 1), (f, e) => {
    err(p, `${f}: ${e.strerror}`);
    status = 1;
  });
  if (status) return status;
  const data = inputs[0]?.data ?? Buffer.alloc(0);
  if (o.flags.has('d')) {
    const text = data.toString('latin1').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) {
      // GNU decodes what it can before the bad input; the result is unreliable either way.
      err(p, 'invalid input');
      return 1;
    }
    write(p, Buffer.from(text, 'base64'));
    return 0;
  }
  const wrap = o.values.w !== undefined ? Number(o.values.w) : 76;
  const encoded = data.toString('base64');
  const lines = wrap > 0 ? (encoded.match(new RegExp(`.{1,${wrap}}`, 'g')) ?? []) : [encoded];
  write(p, lines.length ? `${lines.join('\n')}\n` : '');
  return 0;
}

export async function tee(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'ai');
  if (typeof o === 'number') return o;
  const data = await p.io.stdin.readAll();
  let status = 0;
  for (const f of o.operands) {
    try {
      p.shell.guest.fs.writeFile(f, data, { ...fsOpts(p), append: o.flags.has('a') });
    } catch (e) {
      err(p, `${f}: ${fsError(e).strerror}`);
      status = 1;
    }
  }
  write(p, data);
  return status;
}

export async function head(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'q', 'nc');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    err(p, bsd(p) ? `${f}: ${e.strerror}` : `cannot open ${gq(f)} for reading: ${e.strerror}`);
    status = 1;
  });
  for (const i of inputs) {
    if (o.values.c !== undefined) write(p, i.data.subarray(0, Number(o.values.c)));
    else {
      const n = Number(o.values.n ?? 10);
      const lines = i.data.toString('utf8').split(/(?<=\n)/);
      write(p, lines.slice(0, n).join(''));
    }
  }
  return status;
}

export async function grep(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'qFxvcEinsl', 'e');
  if (typeof o === 'number') return o;
  const pattern = o.values.e ?? o.operands.shift();
  if (pattern === undefined) {
    p.io.err.write('Usage: grep [OPTION]... PATTERNS [FILE]...\n');
    return 2;
  }
  let source = o.flags.has('F')
    ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    : o.flags.has('E')
      ? pattern
      : breToJs(pattern);
  if (o.flags.has('x')) source = `^(?:${source})$`;
  let re: RegExp;
  try {
    re = new RegExp(source, o.flags.has('i') ? 'i' : '');
  } catch {
    err(p, 'Unmatched ( or \\(');
    return 2;
  }
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    if (!o.flags.has('s')) err(p, `${f}: ${e.strerror}`);
    status = 2;
  });
  let matched = false;
  for (const i of inputs) {
    const lines = i.data.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const hits = lines.filter((l) => re.test(l) !== o.flags.has('v'));
    if (hits.length) matched = true;
    if (o.flags.has('q')) continue;
    const prefix = inputs.length > 1 ? `${i.name}:` : '';
    if (o.flags.has('c')) write(p, `${prefix}${hits.length}\n`);
    else if (o.flags.has('l')) {
      if (hits.length) write(p, `${i.name === '-' ? '(standard input)' : i.name}\n`);
    } else for (const h of hits) write(p, `${prefix}${h}\n`);
  }
  if (o.flags.has('q') && matched) return 0;
  return status === 2 ? 2 : matched ? 0 : 1;
}

/** Basic regular expressions as JS ones: `\(`, `\)`, `\{`, `\}`, `\|` are the operators; bare ones are literal. */
function breToJs(bre: string): string {
  let out = '';
  for (let i = 0; i < bre.length; i++) {
    const c = bre[i]!;
    if (c === '\\' && i + 1 < bre.length) {
      const n = bre[++i]!;
      out += '(){}|+?'.includes(n) ? n : `\\${n}`;
    } else if ('(){}|+?'.includes(c)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

export async function wc(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'lcw');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    err(p, `${f}: ${e.strerror}`);
    status = 1;
  });
  for (const i of inputs) {
    const text = i.data.toString('utf8');
    const counts = {
      l: (text.match(/\n/g) ?? []).length,
      w: text.split(/\s+/).filter(Boolean).length,
      c: i.data.length,
    };
    const which = (['l', 'w', 'c'] as const).filter((k) => o.flags.has(k));
    const shown = (which.length ? which : (['l', 'w', 'c'] as const)).map((k) => counts[k]);
    write(p, `${shown.join(' ')}${i.name === '-' ? '' : ` ${i.name}`}\n`);
  }
  return status;
}

export function seq(p: Proc, args: string[]): number {
  const nums = args.map(Number);
  if (!nums.length || nums.some((n) => !Number.isFinite(n))) {
    err(
      p,
      nums.length
        ? `invalid floating point argument: ${gqu(args[nums.findIndex((n) => !Number.isFinite(n))]!)}`
        : 'missing operand',
    );
    return 1;
  }
  const [first, step, last] =
    nums.length === 1
      ? [1, 1, nums[0]!]
      : nums.length === 2
        ? [nums[0]!, 1, nums[1]!]
        : [nums[0]!, nums[1]!, nums[2]!];
  const out: string[] = [];
  for (let n = first; step > 0 ? n <= last : n >= last; n += step) {
    out.push(String(n));
    if (out.length > 100_000) break;
  }
  if (out.length) write(p, `${out.join('\n')}\n`);
  return 0;
}

export async function tail(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'qf', 'nc');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    err(p, `cannot open ${gq(f)} for reading: ${e.strerror}`);
    status = 1;
  });
  for (const i of inputs) {
    if (o.values.c !== undefined) write(p, i.data.subarray(Math.max(0, i.data.length - Number(o.values.c))));
    else {
      const n = Number((o.values.n ?? '10').replace(/^\+/, ''));
      const lines = i.data.toString('utf8').split(/(?<=\n)/);
      write(p, lines.slice(Math.max(0, lines.length - n)).join(''));
    }
  }
  return status;
}
