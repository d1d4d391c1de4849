import { realpathSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IConstruct } from 'constructs';

/** A place in a source file, as a stack trace names it. */
export interface SourceLocation {
  /** Absolute path of the file. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/**
 * Where constructs were created, as the AWS CDK keeps metadata traces: the
 * call stack is captured when a Stack or Resource is made (V8 only formats it,
 * source maps applied, when it is read, so an unread trace costs little) and
 * read when a problem is reported, to point at the user's line.
 */
const traces = new WeakMap<IConstruct, { stack?: string }>();

/** The package root: pvecdk runs from lib/ (sources) or dist/ (compiled, source-mapped to lib/). */
const PACKAGE_ROOT = realpathSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'));
const LIBRARY_DIRS = [resolve(PACKAGE_ROOT, 'lib'), resolve(PACKAGE_ROOT, 'dist')];

/**
 * How many frames a trace keeps. A stack is made by few calls and a user line
 * is always within reach: its trace goes deep. Resources are many, and a
 * trace holds on to its frames: theirs is short, enough to see the user's line
 * when the user made the resource (or a construct made it for them) directly;
 * one made deep inside a Customer has its place from the Customer's trace.
 */
export const TRACE_DEPTH = { deep: 64, shallow: 6 } as const;

/** Remembers the call stack that creates `construct`, `depth` frames of it. */
export function recordCreation(construct: IConstruct, depth: number = TRACE_DEPTH.deep): void {
  const holder: { stack?: string } = {};
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = depth;
  Error.captureStackTrace(holder, recordCreation);
  Error.stackTraceLimit = saved;
  traces.set(construct, holder);
}

/** Whether a file is the user's: not pvecdk's own, not a dependency's, not Node's. */
export function isUserFile(file: string): boolean {
  if (file.includes(`${sep}node_modules${sep}`)) return false;
  return !LIBRARY_DIRS.some((dir) => file.startsWith(dir + sep));
}

/** The innermost frame of a stack trace that is in the user's code. */
export function userFrameOf(stack: string | undefined): SourceLocation | undefined {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /(?:\(|\s|file:\/\/)(\/[^():]+):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!m || !isUserFile(m[1]!)) continue;
    return { file: m[1]!, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/**
 * The user's line that created `construct`: from its own trace, else from the
 * first traced construct below it (its resources were made by the same user
 * call), else from the nearest traced ancestor.
 */
export function creationSiteOf(construct: IConstruct): SourceLocation | undefined {
  const own = siteBelow(construct);
  if (own) return own;
  for (let c = construct.node.scope; c; c = c.node.scope) {
    const site = siteOfTrace(c);
    if (site) return site;
  }
  return undefined;
}

/**
 * The construct the user wrote for `construct`: the outermost of it and its
 * ancestors created by the same line of user code (`new Customer(...)` makes
 * the Customer and everything inside it; the user wrote the Customer).
 */
export function authoredConstruct(construct: IConstruct): IConstruct {
  const site = creationSiteOf(construct);
  if (!site) return construct;
  let authored = construct;
  for (let c = construct.node.scope; c?.node.scope; c = c.node.scope) {
    const other = siteBelow(c);
    if (!other) continue;
    if (other.file !== site.file || other.line !== site.line) break;
    authored = c;
  }
  return authored;
}

/** `Customer acme`: the class the user wrote and the id they gave. */
export function describeConstruct(construct: IConstruct): string {
  return `${construct.constructor.name} ${construct.node.id || '<app>'}`;
}

function siteOfTrace(construct: IConstruct): SourceLocation | undefined {
  const trace = traces.get(construct);
  return trace ? userFrameOf(trace.stack) : undefined;
}

/** The site of a construct's own trace, else of the first traced construct below it (depth first, in order). */
function siteBelow(construct: IConstruct): SourceLocation | undefined {
  const own = siteOfTrace(construct);
  if (own || traces.has(construct)) return own;
  for (const child of construct.node.children) {
    const site = siteBelow(child);
    if (site) return site;
  }
  return undefined;
}
