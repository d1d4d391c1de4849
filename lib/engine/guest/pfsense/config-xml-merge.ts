import { PfsenseError } from './pfsense-errors.ts';
import { childNamed, childText, type ScannedXml, scanXml, type XmlNode } from './xml-scan.ts';

/**
 * Merging the entries pvecdk owns into a pfSense config.xml: pure text
 * edits. Entries pvecdk owns are found by their identity (a rule's tracker,
 * a certificate's refid, an interface's element name, ...) or by pvecdk's
 * marks (see `marked`); they are replaced, inserted or removed, and every
 * byte outside them (hand-made rules, comments, attributes, order,
 * indentation) stays as it was.
 */

/** An entry as the merge sees it: its element name, its fields and its text. */
export interface EntryView {
  readonly name: string;
  /** The text of a child element (`tracker`, `descr`), undefined when absent. */
  field(name: string): string | undefined;
  readonly xml: string;
}

/** A kind of entry: where such entries live in config.xml and what identifies one. */
export interface EntryKind {
  /** Words for messages and diffs: `filter rule`, `certificate`. */
  readonly label: string;
  /** Element path below `<pfsense>`: `[]` for entries directly in it, `['filter']`, `['openvpn']`. */
  readonly container: readonly string[];
  /** The entries' element name; `*` for every child, named by its element (`<interfaces><wan>`). */
  readonly element: string;
  /** An entry's identity; undefined when it has none (it is then pvecdk's only when `marked`). */
  key(entry: EntryView): string | undefined;
  /** Whether an entry is pvecdk's whatever its key (a tracker in pvecdk's range, a `pvecdk: ` description). */
  marked?(entry: EntryView): boolean;
}

/** What one kind of entry should be after the merge. */
export interface OwnedEntries {
  readonly kind: EntryKind;
  /** Each wanted entry as rendered XML: one element named as the kind says. */
  readonly wanted: readonly string[];
  /** Keys pvecdk owned before and wants no more (from state): removed when still there. */
  readonly formerKeys?: readonly string[];
}

/** An owned entry found in a config.xml. */
export interface FoundEntry {
  /** Its key, or `#<n>` for a marked entry without one. */
  readonly key: string;
  readonly xml: string;
}

export const PFSENSE_ROOT = 'pfsense';

function viewOf(scanned: ScannedXml, node: XmlNode): EntryView {
  const { text } = scanned;
  return {
    name: node.name,
    field: (name) => childText(text, node, name),
    xml: text.slice(node.start, node.end),
  };
}

/** The `<pfsense>` root of a config.xml. */
function rootOf(scanned: ScannedXml, what: string): XmlNode {
  const elements = scanned.roots;
  if (elements.length !== 1 || elements[0]!.name !== PFSENSE_ROOT) {
    throw new PfsenseError(
      'PFSENSE_CONFIG_INVALID',
      `${what} has no single <pfsense> root element (found ${elements.map((e) => `<${e.name}>`).join(', ') || 'none'})`,
      'the guest must be a pfSense router with a valid /cf/conf/config.xml',
    );
  }
  return elements[0]!;
}

function containerOf(root: XmlNode, path: readonly string[]): XmlNode | undefined {
  let node: XmlNode | undefined = root;
  for (const name of path) node = node && childNamed(node, name);
  return node;
}

const entriesIn = (container: XmlNode, kind: EntryKind): XmlNode[] =>
  container.children.filter((c) => kind.element === '*' || c.name === kind.element);

/** The key of a rendered entry (one element of the kind), read from its XML. */
export function keyOfEntry(kind: EntryKind, xml: string): string {
  const scanned = scanXml(xml, `the rendered ${kind.label}`);
  const [node, ...more] = scanned.roots;
  const key = node && viewOf(scanned, node);
  const k = key && kind.key(key);
  if (!node || more.length || (kind.element !== '*' && node.name !== kind.element) || k === undefined) {
    throw new PfsenseError(
      'PFSENSE_CONFIG_INVALID',
      `a rendered ${kind.label} must be one <${kind.element}> element with its identity (got ${JSON.stringify(xml.slice(0, 80))})`,
      'this is a bug in pvecdk; please report it with the output of --debug',
    );
  }
  return k;
}

/** Whether an entry is pvecdk's, given the keys wanted and formerly owned. */
function owns(kind: EntryKind, keys: ReadonlySet<string>, entry: EntryView): boolean {
  const key = kind.key(entry);
  return (key !== undefined && keys.has(key)) || kind.marked?.(entry) === true;
}

/** The owned entries of one kind in a config.xml, in file order; `keys` are those wanted or formerly owned. */
export function findOwnedEntries(configXml: string, kind: EntryKind, keys: readonly string[]): FoundEntry[] {
  const scanned = scanXml(configXml, 'config.xml');
  const container = containerOf(rootOf(scanned, 'config.xml'), kind.container);
  if (!container) return [];
  const wanted = new Set(keys);
  let unnamed = 0;
  return entriesIn(container, kind)
    .map((node) => viewOf(scanned, node))
    .filter((entry) => owns(kind, wanted, entry))
    .map((entry) => ({ key: kind.key(entry) ?? `#${unnamed++}`, xml: entry.xml }));
}

/** The keys of every entry of a kind in a config.xml, pvecdk's or not (they name nothing secret). */
export function presentKeys(configXml: string, kind: EntryKind): string[] {
  const scanned = scanXml(configXml, 'config.xml');
  const container = containerOf(rootOf(scanned, 'config.xml'), kind.container);
  if (!container) return [];
  return entriesIn(container, kind)
    .map((node) => kind.key(viewOf(scanned, node)))
    .filter((k): k is string => k !== undefined);
}

/** The whole config.xml with each kind's owned entries made what `sets` says. */
export function mergeOwnedEntries(configXml: string, sets: readonly OwnedEntries[]): string {
  let text = configXml;
  for (const set of sets) text = mergeOne(text, set);
  return text;
}

/** Checks a config.xml is well-formed with a `<pfsense>` root; `what` names it in the error. */
export function checkConfigXml(configXml: string, what: string): void {
  rootOf(scanXml(configXml, what), what);
}

interface Edit {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.from - a.from))
    out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

/** Where the whitespace before `offset` begins: an entry is removed with its indentation and line break. */
function whitespaceStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && /\s/.test(text[i - 1]!)) i -= 1;
  return i;
}

/** The indentation of the line an offset is on (the whitespace after its line break). */
function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lead = /^[ \t]*/.exec(text.slice(lineStart, offset))![0];
  return lineStart + lead.length === offset ? lead : '';
}

/** One level of indentation as the file writes it: pfSense writes tabs. */
function indentUnit(text: string, root: XmlNode): string {
  const first = root.children[0];
  const unit = first ? indentAt(text, first.start) : '';
  return unit || '\t';
}

/**
 * Rendered XML (two spaces a level, as lib/render writes it) at `indent`,
 * with the file's unit a level; only lines that start with a tag move, so
 * text values are never changed.
 */
function reindent(xml: string, indent: string, unit: string): string {
  return xml
    .split('\n')
    .map((line, i) => {
      if (i === 0) return indent + line.trimStart();
      const m = /^((?: {2})*)</.exec(line);
      return m ? indent + unit.repeat(m[1]!.length / 2) + line.slice(m[1]!.length) : line;
    })
    .join('\n');
}

function mergeOne(text: string, set: OwnedEntries): string {
  const { kind } = set;
  const scanned = scanXml(text, 'config.xml');
  const root = rootOf(scanned, 'config.xml');
  const wantedKeys = set.wanted.map((xml) => keyOfEntry(kind, xml));
  const keys = new Set([...wantedKeys, ...(set.formerKeys ?? [])]);
  const unit = indentUnit(text, root);

  // The deepest container there is; what is missing below it is made with the entries.
  let parent = root;
  let depth = 0;
  for (const name of kind.container) {
    const next = childNamed(parent, name);
    if (!next) break;
    parent = next;
    depth += 1;
  }
  if (depth < kind.container.length) {
    if (!set.wanted.length) return text;
    let xml = set.wanted.join('\n');
    for (const name of kind.container.slice(depth).reverse()) {
      xml = `<${name}>\n${xml
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\n</${name}>`;
    }
    return insertInto(text, parent, xml, unit);
  }

  const owned = entriesIn(parent, kind).filter((node) => owns(kind, keys, viewOf(scanned, node)));
  const siblings = entriesIn(parent, kind);
  const edits: Edit[] = owned.map((node) => ({
    from: whitespaceStart(text, node.start),
    to: node.end,
    text: '',
  }));
  if (set.wanted.length) {
    const sample = parent.children[0];
    const indent = sample ? indentAt(text, sample.start) : indentAt(text, parent.start) + unit;
    const block = set.wanted.map((w) => `\n${reindent(w, indent, unit)}`).join('');
    if (owned.length) {
      // In place of the first owned entry: pvecdk's entries keep their place among hand-made ones.
      edits[0] = { ...edits[0]!, text: block };
    } else if (parent.selfClosing || parent.closeStart === parent.openEnd) {
      return insertInto(text, parent, set.wanted.join('\n'), unit);
    } else {
      // After the last entry of the kind, else at the end of the container.
      const after = siblings.at(-1)?.end ?? whitespaceStart(text, parent.closeStart);
      const closeOnOwnLine = text.slice(after, parent.closeStart).includes('\n');
      const tail = siblings.length || closeOnOwnLine ? '' : `\n${indentAt(text, parent.start)}`;
      edits.push({
        from: Math.max(after, parent.openEnd),
        to: Math.max(after, parent.openEnd),
        text: block + tail,
      });
    }
  }
  return applyEdits(text, edits);
}

/**
 * Puts rendered XML (two-space levels) at the end of `parent`'s content,
 * opening it when it is self-closing (`<filter/>`) or empty.
 */
function insertInto(text: string, parent: XmlNode, xml: string, unit: string): string {
  const outer = indentAt(text, parent.start);
  const inner = parent.children[0] ? indentAt(text, parent.children[0].start) : outer + unit;
  const lines = `\n${reindent(xml, inner, unit)}`;
  if (parent.selfClosing) {
    const tag = text.slice(parent.start, parent.end).replace(/\s*\/>$/, '>');
    return `${text.slice(0, parent.start)}${tag}${lines}\n${outer}</${parent.name}>${text.slice(parent.end)}`;
  }
  const at = whitespaceStart(text, parent.closeStart);
  const from = Math.max(at, parent.openEnd);
  return `${text.slice(0, from)}${lines}\n${outer}${text.slice(parent.closeStart)}`;
}
