import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { CliError } from '../errors.ts';
import { packageNameOf, projectPackageJson, type ToolVersions } from '../init/project-package.ts';
import {
  CDK_JSON,
  EXAMPLE_STACK,
  EXAMPLE_TEST,
  GITIGNORE_LINES,
  PLATFORM_STACK,
  readme,
  TSCONFIG,
} from '../init/scaffold-files.ts';

export interface InitOptions {
  /** The project folder, relative to cwd; made when missing. */
  readonly dir: string;
  readonly cwd: string;
  readonly out: (text: string) => void;
}

/**
 * `pvecdk init [dir]`: a new project in the style of `cdk init app`. It never overwrites a file:
 * package.json and .gitignore are completed (an `npm install ./pvecdk-*.tgz` run first has made
 * package.json), every other file must not exist yet.
 */
export function initCommand(options: InitOptions): number {
  const root = resolve(options.cwd, options.dir);
  const name = packageNameOf(basename(root));
  const files: Record<string, string> = {
    'tsconfig.json': TSCONFIG,
    'cdk.json': CDK_JSON,
    'stacks/platform.ts': PLATFORM_STACK,
    'stacks/example.ts': EXAMPLE_STACK,
    'test/example.test.ts': EXAMPLE_TEST,
    'README.md': readme({ name }),
  };
  const taken = Object.keys(files).filter((f) => existsSync(join(root, f)));
  if (taken.length) {
    throw new CliError(
      'CLI_INIT_CONFLICT',
      `pvecdk init would overwrite ${taken.join(', ')} in ${shown(root, options.cwd)}`,
      'run it in an empty folder, or give a new one: pvecdk init my-platform',
    );
  }
  const existing = readPackageJson(root);
  if (existing?.type !== undefined && existing.type !== 'module') {
    throw new CliError(
      'CLI_INIT_CONFLICT',
      `${join(shown(root, options.cwd), 'package.json')} has "type": ${JSON.stringify(existing.type)}; stack files are ES modules`,
      'set "type": "module" in package.json (or remove the line) and run pvecdk init again',
    );
  }
  mkdirSync(root, { recursive: true });
  const pkg = projectPackageJson(name, toolVersions(), existing);
  writeFileSync(join(root, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(join(root, '.gitignore'), gitignore(root));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  const where = shown(root, options.cwd);
  options.out(
    [
      `Created a pvecdk project in ${where}:`,
      `  ${['package.json', '.gitignore', ...Object.keys(files)].join(', ')}`,
      '',
      'Next:',
      ...(where === '.' ? [] : [`  cd ${where}`]),
      '  npm install',
      '  npx pvecdk deploy stacks/example.ts   # to the embedded emulator until cdk.json names a remote',
      '  npm test',
    ].join('\n'),
  );
  return 0;
}

function shown(root: string, cwd: string): string {
  return relative(cwd, root) || '.';
}

function readPackageJson(root: string): Record<string, unknown> | undefined {
  const file = join(root, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Reported below, with the file named.
  }
  throw new CliError(
    'CLI_INIT_CONFLICT',
    `${file} is not a JSON object`,
    'fix or remove package.json and run pvecdk init again',
  );
}

/** The existing .gitignore with the lines the project needs appended when missing. */
function gitignore(root: string): string {
  const file = join(root, '.gitignore');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = new Set(text.split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_LINES.filter((l) => !lines.has(l) && !lines.has(l.replace(/\/$/, '')));
  if (!missing.length) return text;
  return `${text}${text && !text.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`;
}

/** This package's version, and the versions of the tools it is itself built and tested with. */
function toolVersions(): ToolVersions {
  const own = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
    devDependencies?: Record<string, string>;
  };
  const dev = own.devDependencies ?? {};
  return {
    pvecdk: own.version,
    typescript: dev.typescript ?? '^5.9.0',
    vitest: dev.vitest ?? '^4.0.0',
    typesNode: dev['@types/node'] ?? '^20.19.0',
  };
}
