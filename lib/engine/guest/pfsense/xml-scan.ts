import { PfsenseError } from './pfsense-errors.ts';

/**
 * A position-keeping view of an XML text: every element with the offsets of
 * its tags, so an edit can splice the text and leave every byte it does not
 * touch (comments, attributes, CDATA, indentation) as it was. Only what
 * config.xml uses is read: elements, attributes, comments, CDATA,
 * processing instructions and a DOCTYPE without an internal subset.
 */
export interface XmlNode {
  readonly name: string;
  /** Offset of the start tag's `<`. */
  readonly start: number;
  /** Offset just past the start tag (past `/>` when self-closing). */
  readonly openEnd: number;
  /** Offset of the end tag's `<`; `openEnd` when self-closing. */
  closeStart: number;
  /** Offset just past the element. */
  end: number;
  readonly selfClosing: boolean;
  readonly children: XmlNode[];
}

export interface ScannedXml {
  readonly text: string;
  /** The top-level elements: one for a document, several for a fragment. */
  readonly roots: readonly XmlNode[];
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const ATTRIBUTE = /\s+([A-Za-z_:][-A-Za-z0-9_.:]*)\s*=\s*("[^"<]*"|'[^'<]*')/y;
const TAG_END = /\s*(\/?)>/y;
const END_TAG = /<\/([A-Za-z_:][-A-Za-z0-9_.:]*)\s*>/y;

/** The 1-based line of an offset, for messages. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** Scans `text`; `what` names it in errors (`config.xml on VM 100`, `section filter`). */
export function scanXml(text: string, what: string): ScannedXml {
  const fail = (offset: number, problem: string): never => {
    throw new PfsenseError(
      'PFSENSE_CONFIG_INVALID',
      `${what} is not well-formed XML: ${problem} at line ${lineAt(text, offset)}`,
      'fix the file (pfSense keeps earlier versions in /cf/conf/backup/), then run again',
    );
  };
  const roots: XmlNode[] = [];
  const open: XmlNode[] = [];
  const closing = (marker: string, from: number, what: string): number => {
    const at = text.indexOf(marker, from);
    if (at === -1) fail(from, `unterminated ${what}`);
    return at + marker.length;
  };
  let i = 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt === -1) break;
    if (text.startsWith('<!--', lt)) i = closing('-->', lt + 4, 'comment');
    else if (text.startsWith('<![CDATA[', lt)) i = closing(']]>', lt + 9, 'CDATA section');
    else if (text.startsWith('<?', lt)) i = closing('?>', lt + 2, 'processing instruction');
    else if (text.startsWith('<!', lt)) {
      const gt = text.indexOf('>', lt);
      const bracket = text.indexOf('[', lt);
      if (bracket !== -1 && (gt === -1 || bracket < gt))
        fail(lt, 'a DOCTYPE internal subset is not supported');
      i = closing('>', lt, 'declaration');
    } else if (text[lt + 1] === '/') {
      END_TAG.lastIndex = lt;
      const m = END_TAG.exec(text);
      if (!m) fail(lt, 'a malformed end tag');
      const node = open.pop();
      if (!node) fail(lt, `</${m![1]}> closes nothing`);
      if (node!.name !== m![1]) fail(lt, `</${m![1]}> closes <${node!.name}>`);
      node!.closeStart = lt;
      node!.end = lt + m![0].length;
      i = node!.end;
    } else {
      NAME.lastIndex = lt + 1;
      const name = NAME.exec(text)?.[0];
      if (!name) fail(lt, 'a `<` that starts no tag (write it as &lt;)');
      let at = lt + 1 + name!.length;
      for (;;) {
        ATTRIBUTE.lastIndex = at;
        const attribute = ATTRIBUTE.exec(text);
        if (!attribute) break;
        at = ATTRIBUTE.lastIndex;
      }
      TAG_END.lastIndex = at;
      const end = TAG_END.exec(text);
      if (!end) fail(at, `a malformed start tag <${name}`);
      const selfClosing = end![1] === '/';
      const openEnd = TAG_END.lastIndex;
      const node: XmlNode = {
        name: name!,
        start: lt,
        openEnd,
        closeStart: openEnd,
        end: openEnd,
        selfClosing,
        children: [],
      };
      (open.at(-1)?.children ?? roots).push(node);
      if (!selfClosing) open.push(node);
      i = openEnd;
    }
  }
  if (open.length) fail(text.length, `<${open.at(-1)!.name}> is never closed`);
  return { text, roots };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  return raw.replace(/&(#x[0-9A-Fa-f]+|#\d+|[A-Za-z]+);/g, (whole, body: string) => {
    if (body.startsWith('#x')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    return ENTITIES[body] ?? whole;
  });
}

/** The text an element holds (entities decoded, CDATA unwrapped, trimmed); '' for `<x/>`. */
export function textOf(text: string, node: XmlNode): string {
  const raw = text.slice(node.openEnd, node.closeStart);
  let out = '';
  let i = 0;
  for (;;) {
    const cdata = raw.indexOf('<![CDATA[', i);
    const plain = raw.slice(i, cdata === -1 ? undefined : cdata).replace(/<!--[\s\S]*?-->/g, '');
    out += decodeEntities(plain);
    if (cdata === -1) break;
    const close = raw.indexOf(']]>', cdata + 9);
    out += raw.slice(cdata + 9, close);
    i = close + 3;
  }
  return out.trim();
}

/** The first child element called `name`. */
export function childNamed(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}

/** The text of the first child called `name`, or undefined when there is none. */
export function childText(text: string, node: XmlNode, name: string): string | undefined {
  const child = childNamed(node, name);
  return child ? textOf(text, child) : undefined;
}
