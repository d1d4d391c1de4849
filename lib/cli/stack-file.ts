import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { App } from '../core/app.ts';
import { summarizeThrown } from '../core/error-family.ts';
import { PvecdkError } from '../core/errors.ts';
import { Stack } from '../core/stack.ts';
import { recordedErrors, ValidationError } from '../core/validation.ts';
import { CliError, StackFileError } from './errors.ts';
import { useIdentityRecord } from './identity-record.ts';
import { ensureTypeScriptLoader } from './typescript-loader.ts';

/** What running a stack file produced. */
export interface LoadedStackFile {
  readonly file: string;
  readonly app: App;
  /** Every stack of the app, including those of imported files (e.g. the platform). */
  readonly stacks: readonly Stack[];
  /** The stacks this file itself creates: what `deploy <file>` targets. */
  readonly targets: readonly Stack[];
  /** Where each stack is declared: its stack file and its App's file, relative to the project. */
  readonly origins: ReadonlyMap<string, { readonly file: string; readonly app: string }>;
  /** The project directory the file was loaded from (where cdk.json and the identity record are). */
  readonly cwd: string;
}

/** The package root: the library runs from lib/ (sources) or dist/ (compiled, source-mapped to lib/). */
const PACKAGE_ROOT = realpathSync(resolve(dirname(fileURLToPath(import.meta.url)), '../..'));
const LIBRARY_DIRS = [join(PACKAGE_ROOT, 'lib'), join(PACKAGE_ROOT, 'dist')];
const inLibrary = (file: string) => LIBRARY_DIRS.some((dir) => file.startsWith(dir + sep));

/**
 * Runs TypeScript stack files (the CLI itself runs under tsx, so a dynamic
 * import compiles them) and finds the app and stacks they defined. A file's
 * stacks are those it creates; a file that creates none but imports others
 * (an `all.ts`) stands for the stacks its imports create. Every way a file
 * can be wrong becomes a CliError that names the file, and the line when
 * there is one.
 */
export async function loadStackFile(
  paths: string | readonly string[],
  cwd = process.cwd(),
): Promise<LoadedStackFile> {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (list.length === 0)
    throw new CliError(
      'CLI_NO_STACK',
      'no stack file given',
      'pass a stack file, e.g. stacks/acme.ts, or --all',
    );
  useIdentityRecord(cwd);
  await ensureTypeScriptLoader();
  const before = new Set(App.instances);
  const known = new Set<Stack>();
  const targets = new Set<Stack>();
  const reals: string[] = [];
  for (const path of list) {
    const real = existingFile(path, cwd);
    reals.push(real);
    try {
      await import(pathToFileURL(real).href);
    } catch (e) {
      const error = translateLoadError(e, path, cwd);
      // A construct with a mistake records it and comes out incomplete; code
      // that then uses what is missing throws. The recorded mistakes come first.
      const recorded = App.instances.filter((a) => !before.has(a)).flatMap((a) => recordedErrors(a));
      if (recorded.length === 0) throw error;
      throw new ValidationError(
        recorded,
        `fix these first: the stack file then failed, most likely because of them (${summarizeThrown(error).message})`,
      );
    }
    const now = App.instances
      .filter((a) => !before.has(a))
      .flatMap((a) => a.node.findAll().filter(Stack.isStack));
    const created = now.filter((s) => !known.has(s));
    for (const s of now) known.add(s);
    const own = now.filter((s) => s.creationFiles.includes(real));
    for (const s of own.length ? own : created) targets.add(s);
  }
  const apps = App.instances.filter((a) => !before.has(a));
  const stacks = apps.flatMap((a) => a.node.findAll().filter(Stack.isStack));
  const shown = list.join(', ');
  if (apps.length > 1) {
    throw new CliError(
      'CLI_NO_STACK',
      `${shown} created ${apps.length} apps; stack files and the files they import must share one App`,
      'export the App from one module (e.g. stacks/platform.ts) and import it everywhere',
    );
  }
  if (apps.length === 0 || targets.size === 0) {
    const imported = stacks.map((s) => s.stackName);
    throw new CliError(
      'CLI_NO_STACK',
      `${shown} defines no stack${imported.length ? ` (its imports define: ${imported.join(', ')}, loaded before it)` : ''}`,
      'create one in the file: new Stack(app, "name") or a pattern such as new Customer(platform, "acme", {...})',
    );
  }
  const app = apps[0]!;
  const fallback = relative(cwd, reals[0]!);
  const appFile = declaringFile(app.creationFiles, cwd) ?? fallback;
  const origins = new Map(
    stacks.map((s) => [s.stackName, { file: declaringFile(s.creationFiles, cwd) ?? fallback, app: appFile }]),
  );
  return { file: reals[0]!, app, stacks, targets: stacks.filter((s) => targets.has(s)), origins, cwd };
}

/** The real path of a stack file, or CLI_STACK_FILE_NOT_FOUND listing the files beside where it was looked for. */
function existingFile(path: string, cwd: string): string {
  const file = resolve(cwd, path);
  if (!existsSync(file)) {
    const dir = dirname(file);
    const siblings = existsSync(dir) ? readdirSync(dir).filter((f) => /\.(ts|mts|js|mjs)$/.test(f)) : [];
    throw new CliError(
      'CLI_STACK_FILE_NOT_FOUND',
      `stack file ${path} does not exist`,
      siblings.length
        ? `stack files in ${relative(cwd, dir) || '.'}: ${siblings.join(', ')}`
        : 'pass the path of a TypeScript file that creates stacks, e.g. stacks/acme.ts',
    );
  }
  return realpathSync(file);
}

/** Every stack file of the project, for `--all`: the TypeScript files of `stacks/`, sorted. */
export function allStackFiles(cwd: string, folder = 'stacks'): string[] {
  const dir = resolve(cwd, folder);
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(ts|mts)$/.test(f) && !/\.(test|spec|d)\.m?ts$/.test(f))
        .sort()
        .map((f) => join(folder, f))
    : [];
  if (!files.length)
    throw new CliError(
      'CLI_NO_STACK',
      `--all found no stack file in ${folder}/`,
      'put the stack files in stacks/, or pass the files (pvecdk deploy stacks/a.ts stacks/b.ts)',
    );
  return files;
}

/** The innermost file of a call stack that is the user's (not pvecdk's, not a dependency's), project-relative. */
function declaringFile(files: readonly string[], cwd: string): string | undefined {
  // pvecdk's own files are never where a user declared something.
  const user = files.find((f) => !inLibrary(f) && !f.includes('/node_modules/'));
  return user ? relative(cwd, user).split(sep).join('/') : undefined;
}

function translateLoadError(e: unknown, path: string, cwd: string): Error {
  // A stack file may throw anything, a string even: it then has no trace to locate.
  if (!(e instanceof Error)) {
    return new CliError(
      'CLI_STACK_FILE_THREW',
      `${path} threw ${typeof e}: ${String(e)}`,
      'throw an Error so that its line can be shown',
    );
  }
  const error = e;
  if (error.name === 'TransformError') {
    // esbuild (through tsx) reports "<file>:<line>:<col>: ERROR: <text>".
    const m = /(\/[^\s:]+):(\d+):(\d+): ERROR: (.*)/.exec(error.message);
    const where = m ? `${relative(cwd, m[1]!)}:${m[2]}:${m[3]}` : path;
    return new CliError(
      'CLI_STACK_FILE_COMPILE',
      `${where}: ${m?.[4] ?? error.message.split('\n').slice(1).join(' ').trim()}`,
      'fix the syntax error; `npm run typecheck` reports type errors as well',
    );
  }
  if (error.name === 'SyntaxError') {
    // Code esbuild passed through untouched is parsed by Node, whose trace starts "<file>:<line>".
    const m = /^(?:file:\/\/)?(\/[^\s:]+):(\d+)\n/.exec(error.stack ?? '');
    if (m) {
      // Node's own type stripping (PVECDK_TYPESCRIPT=node, see typescript-loader.ts) refuses what cannot just be erased.
      const notErasable = (error as { code?: string }).code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX';
      return new CliError(
        'CLI_STACK_FILE_COMPILE',
        `${relative(cwd, m[1]!)}:${m[2]}: ${error.message}`,
        notErasable
          ? "Node's type stripping loads TypeScript whose types can be erased: use a union of literals instead of an enum (or a plain object), or leave PVECDK_TYPESCRIPT unset to load it with tsx"
          : 'fix the syntax error; `npm run typecheck` reports type errors as well',
      );
    }
  }
  if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
    return new CliError(
      'CLI_STACK_FILE_IMPORT',
      `${path}: ${error.message.replace(/^Cannot find/, 'cannot find')}`,
      'check the import path (relative imports need the .ts extension) or run npm install',
    );
  }
  const where = userFrame(error, cwd);
  // Already a clear message with its own code and hint: add where in the user's code it came from.
  if (error instanceof PvecdkError) return new StackFileError(error, where);
  const thrown = new CliError(
    'CLI_STACK_FILE_THREW',
    `${where ?? path} threw ${error.name}: ${error.message}`,
    'the stack file ran and failed; fix the line shown (run with --debug for the full trace)',
  );
  thrown.stack = error.stack;
  return thrown;
}

/** `file:line` of the innermost stack frame in the user's code (not pvecdk, not node_modules). */
function userFrame(error: Error, cwd: string): string | undefined {
  for (const line of (error.stack ?? '').split('\n').slice(1)) {
    const m = /(?:\(|\s|file:\/\/)(\/[^():]+):(\d+):\d+\)?$/.exec(line.trim());
    if (!m) continue;
    const file = m[1]!;
    if (inLibrary(file) || file.includes(`${sep}node_modules${sep}`)) continue;
    return `${relative(cwd, file) || basename(file)}:${m[2]}`;
  }
  return undefined;
}
