import { PsHashtable, PsObject, toStr } from './powershell-values.ts';

/**
 * JSON as Windows PowerShell 5.1 reads and writes it (ConvertFrom-Json,
 * ConvertTo-Json on .NET Framework's JavaScriptSerializer):
 *
 * - writing: a value below `depth` levels of nesting becomes its string form
 *   (silently, as 5.1 does), dictionaries keep their key order (an ordered
 *   one its insertion order), objects give their properties, strings escape
 *   `<`, `>`, `&` and `'` as `\u003c`-style sequences as JavaScriptSerializer
 *   does; `-Compress` prints that text as it is, otherwise it is laid out the
 *   5.1 way: four spaces per level, `"key":  value` with two spaces, and a
 *   nested object or array indented from the column where it opens;
 * - reading: objects become PSCustomObject (properties in document order,
 *   settable), arrays object[], numbers numbers.
 */

/** A value ready for the serializer: null, boolean, number, string, list or ordered map. */
type JsonTree = null | boolean | number | string | JsonTree[] | Map<string, JsonTree>;

export const PS_CUSTOM_OBJECT = 'System.Management.Automation.PSCustomObject';

/** How a PSCustomObject prints as a string (`@{a=1; b=x}`), as in a depth-truncated ConvertTo-Json. */
export function customObjectText(o: PsObject): string {
  return `@{${[...o.props.values()].map((p) => `${p.name}=${toStr(p.value)}`).join('; ')}}`;
}

/** A PSCustomObject with these properties, in order; every property can be set, as a NoteProperty can. */
export function customObject(entries: Iterable<[string, unknown]>): PsObject {
  const o: PsObject = new PsObject(PS_CUSTOM_OBJECT, {}, () => customObjectText(o));
  for (const [k, v] of entries) {
    o.props.set(k.toLowerCase(), { name: k, value: v });
    o.writable(k);
  }
  return o;
}

function toTree(v: unknown, level: number, depth: number): JsonTree {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (level > depth)
    return v instanceof PsObject && v.typeName === PS_CUSTOM_OBJECT ? customObjectText(v) : toStr(v);
  if (v instanceof PsHashtable) {
    const m = new Map<string, JsonTree>();
    for (const [k, val] of v.entries()) m.set(toStr(k), toTree(val, level + 1, depth));
    return m;
  }
  if (Array.isArray(v)) return v.map((x) => toTree(x, level + 1, depth));
  if (v instanceof Uint8Array) return [...v];
  if (v instanceof PsObject) {
    const m = new Map<string, JsonTree>();
    for (const p of v.props.values()) m.set(p.name, toTree(p.value, level + 1, depth));
    return m;
  }
  // Script blocks, types and secure strings: their string form.
  return toStr(v);
}

/** JavaScriptSerializer's string escaping. */
function quote(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.charCodeAt(0);
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (code < 0x20 || c === '<' || c === '>' || c === '&' || c === "'")
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

function compact(t: JsonTree): string {
  if (t === null) return 'null';
  if (typeof t === 'boolean') return t ? 'true' : 'false';
  if (typeof t === 'number') return Number.isFinite(t) ? String(t) : quote(toStr(t));
  if (typeof t === 'string') return quote(t);
  if (Array.isArray(t)) return `[${t.map(compact).join(',')}]`;
  return `{${[...t].map(([k, v]) => `${quote(k)}:${compact(v)}`).join(',')}}`;
}

/** The 5.1 layout: `column` is where the value starts on its line. */
function pretty(t: JsonTree, column: number): string {
  if (t === null || typeof t !== 'object') return compact(t);
  const pad = ' '.repeat(column + 4);
  const close = ' '.repeat(column);
  if (Array.isArray(t)) {
    const items = t.map((x) => `${pad}${pretty(x, column + 4)}`);
    return `[\r\n${items.join(',\r\n')}\r\n${close}]`;
  }
  const items = [...t].map(([k, v]) => {
    const head = `${quote(k)}:  `;
    return `${pad}${head}${pretty(v, column + 4 + head.length)}`;
  });
  return `{\r\n${items.join(',\r\n')}\r\n${close}}`;
}

/** ConvertTo-Json of one value (the cmdlet passes an array for several inputs). */
export function toJson(value: unknown, depth: number, compress: boolean): string {
  const tree = toTree(value, 0, depth);
  return compress ? compact(tree) : pretty(tree, 0);
}

/** Why a JSON text was refused, in JavaScriptSerializer's words. */
export class JsonTextError {
  constructor(readonly message: string) {}
}

/**
 * A JSON reader that keeps properties in document order (JavaScript objects
 * would put integer-like keys first) and names the first token it cannot
 * read, as JavaScriptSerializer does.
 */
class JsonReader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(): never {
    const rest = this.text.slice(this.pos);
    const token = /^[^\s,:{}[\]"]+/.exec(rest)?.[0] ?? rest.slice(0, 1);
    throw new JsonTextError(`Invalid JSON primitive: ${token}.`);
  }

  space(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  value(): unknown {
    this.space();
    const c = this.text[this.pos];
    if (c === '{') {
      this.pos++;
      const entries: Array<[string, unknown]> = [];
      this.space();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return customObject(entries);
      }
      for (;;) {
        this.space();
        if (this.text[this.pos] !== '"') this.fail();
        const key = this.string();
        this.space();
        if (this.text[this.pos] !== ':') this.fail();
        this.pos++;
        entries.push([key, this.value()]);
        this.space();
        const next = this.text[this.pos++];
        if (next === '}') return customObject(entries);
        if (next !== ',') {
          this.pos--;
          this.fail();
        }
      }
    }
    if (c === '[') {
      this.pos++;
      const items: unknown[] = [];
      this.space();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return items;
      }
      for (;;) {
        items.push(this.value());
        this.space();
        const next = this.text[this.pos++];
        if (next === ']') return items;
        if (next !== ',') {
          this.pos--;
          this.fail();
        }
      }
    }
    if (c === '"') return this.string();
    const m = /^(true|false|null|-?\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(this.text.slice(this.pos));
    if (!m) this.fail();
    this.pos += m[0].length;
    return m[0] === 'true' ? true : m[0] === 'false' ? false : m[0] === 'null' ? null : Number(m[0]);
  }

  string(): string {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(this.text.slice(this.pos));
    if (!m) this.fail();
    this.pos += m[0].length;
    return m[1]!.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_all, e: string) => {
      if (e.length === 5) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
      return ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e;
    });
  }
}

/** ConvertFrom-Json of one text: PSCustomObjects (properties in document order), object[] and scalars. */
export function fromJson(text: string): unknown {
  const reader = new JsonReader(text);
  const value = reader.value();
  reader.space();
  if (reader.pos < text.length) reader.fail();
  return value;
}
