/**
 * Reads back the `$p = <literal>` line of an RDS script (lib/render's
 * psLiteral): single-quoted strings, `$true`/`$false`/`$null`, numbers,
 * `@(...)` lists and `@{ k = v; ... }` tables. Only that subset: what the
 * renderers write.
 */
export function parsePsLiteral(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const expect = (s: string) => {
    ws();
    if (!text.startsWith(s, i)) throw new Error(`expected ${s} at ${i} in ${text.slice(i, i + 30)}`);
    i += s.length;
  };
  const value = (): unknown => {
    ws();
    if (text[i] === "'") {
      let out = '';
      i++;
      for (;;) {
        const c = text[i++];
        if (c === undefined) throw new Error('unterminated string');
        if (c === "'") {
          if (text[i] === "'") {
            out += "'";
            i++;
            continue;
          }
          return out;
        }
        out += c;
      }
    }
    for (const [word, v] of [
      ['$true', true],
      ['$false', false],
      ['$null', null],
    ] as const)
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    if (text.startsWith('@(', i)) {
      i += 2;
      const list: unknown[] = [];
      ws();
      if (text[i] === ')') {
        i++;
        return list;
      }
      for (;;) {
        list.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(')');
        return list;
      }
    }
    if (text.startsWith('@{', i)) {
      i += 2;
      const table: Record<string, unknown> = {};
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return table;
        }
        const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
        i += key.length;
        expect('=');
        table[key] = value();
        ws();
        if (text[i] === ';') i++;
      }
    }
    const n = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (n) {
      i += n[0].length;
      return Number(n[0]);
    }
    throw new Error(`unexpected ${text.slice(i, i + 20)}`);
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error(`trailing text: ${text.slice(i, i + 20)}`);
  return v;
}
