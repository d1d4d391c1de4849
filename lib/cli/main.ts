import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RemoteCommandOptions } from './commands/remote-command.ts';
import { formatSynthResult, synthStackFile } from './commands/synth.ts';
import { loadProjectConfig, type ProjectConfig } from './config.ts';
import { CliError } from './errors.ts';
import { stopOnInterrupt } from './interrupt.ts';
import { lockTimeoutOf } from './lock-wait.ts';
import { errorAsJson, exitCodeOf, formatError } from './output/error-output.ts';
import { allStackFiles, loadStackFile } from './stack-file.ts';
import { USAGE } from './usage.ts';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
  /** A terminal for the live progress view; absent when output is a pipe or a file. */
  readonly terminal?: NodeJS.WriteStream;
  /** Asks a yes/no question; absent when nobody can answer (a non-interactive shell never prompts). */
  readonly confirm?: (question: string) => Promise<boolean>;
}

const interactive = Boolean(process.stdout.isTTY && process.stdin.isTTY);

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  cwd: process.cwd(),
  ...(process.stdout.isTTY && !process.env.CI ? { terminal: process.stdout } : {}),
  ...(interactive ? { confirm: askOnTerminal } : {}),
};

async function askOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Runs one CLI invocation and returns its exit code (0 ok, 1 failed, 2 user error). */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    return await dispatch(argv, io);
  } catch (e) {
    // With --json a pipeline reads the error as data: code, message and hint apart.
    io.err(argv.includes('--json') ? JSON.stringify(errorAsJson(e)) : formatError(e, debug));
    return exitCodeOf(e);
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    case 'version':
    case '--version':
      io.out(packageVersion());
      return 0;
    case 'synth':
      return synthCommand(rest, io);
    case 'deploy':
    case 'diff':
      return deployLike(command, rest, io);
    case 'destroy':
      return destroyCommand(rest, io);
    case 'ls':
      return lsCommand(rest, io);
    case 'doctor':
      return doctorCommand(rest, io);
    case 'vpn':
      return vpnCommand(rest, io);
    case 'credentials':
      return credentialsCommand(rest, io);
    case 'bootstrap-role': {
      const { bootstrapRoleCommand } = await import('./commands/bootstrap-role.ts');
      return bootstrapRoleCommand(rest, io);
    }
    case 'sim': {
      const { runEmulatorCli } = await import('../sim/cli.ts');
      try {
        return await runEmulatorCli(rest);
      } catch (e) {
        // Node's parseArgs throws a plain TypeError (ERR_PARSE_ARGS_*) for an unknown option.
        if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
          throw new CliError('CLI_USAGE', (e as Error).message, 'run `pvecdk help` for the options of sim');
        }
        throw e;
      }
    }
    default:
      throw new CliError('CLI_USAGE', `unknown command '${command}'`, 'run `pvecdk help` for the commands');
  }
}

async function synthCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' },
    context: { type: 'string', multiple: true },
    frozen: { type: 'boolean' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
    debug: { type: 'boolean' },
  });
  if (values.frozen) process.env.PVECDK_FROZEN = '1';
  const files = stackFiles('synth', positionals, values.all, io.cwd);
  const config = loadProjectConfig(io.cwd);
  const outdir = resolve(io.cwd, (values.out as string | undefined) ?? config.output);
  const context = { ...config.context, ...parseContext((values.context as string[] | undefined) ?? []) };
  process.env.PVECDK_CONTEXT = JSON.stringify(context);
  process.env.PVECDK_OUTDIR = outdir;
  const loaded = await loadStackFile(files, io.cwd);
  const result = synthStackFile(loaded, outdir);
  if (values.json) {
    io.out(
      JSON.stringify({
        outdir,
        stacks: [...result.assembly.plans.keys()].sort(),
        targets: loaded.targets.map((s) => s.stackName).sort(),
        files: result.files,
        warnings: result.assembly.warnings,
      }),
    );
  } else {
    io.out(formatSynthResult(result, io.cwd));
  }
  return 0;
}

const REMOTE_OPTIONS = {
  out: { type: 'string' },
  remote: { type: 'string' },
  concurrency: { type: 'string' },
  json: { type: 'boolean' },
  yes: { type: 'boolean' },
  'allow-destroy-data': { type: 'boolean' },
  'force-unlock': { type: 'boolean' },
  'lock-timeout': { type: 'string' },
  takeover: { type: 'boolean' },
  debug: { type: 'boolean' },
} as const;

function concurrencyOf(value: unknown): number {
  const concurrency = value === undefined ? 4 : Number(value);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new CliError(
      'CLI_USAGE',
      `--concurrency must be a whole number from 1 to 64, got '${String(value)}'`,
    );
  }
  return concurrency;
}

/**
 * The stack files a command runs: the files given (a shell glob such as
 * `stacks/*.ts` arrives as several), or with `--all` every file of stacks/.
 */
function stackFiles(command: string, positionals: readonly string[], all: unknown, cwd: string): string[] {
  if (all) {
    if (positionals.length)
      throw new CliError('CLI_USAGE', `${command} --all takes no stack file`, `pvecdk ${command} --all`);
    return allStackFiles(cwd);
  }
  if (!positionals.length)
    throw new CliError(
      'CLI_USAGE',
      `${command} takes a stack file (or several, or --all)`,
      `pvecdk ${command} stacks/acme.ts`,
    );
  return [...positionals];
}

function oneStackFile(command: string, positionals: readonly string[]): string {
  if (positionals.length !== 1)
    throw new CliError(
      'CLI_USAGE',
      `${command} takes exactly one stack file`,
      `pvecdk ${command} stacks/acme.ts`,
    );
  return positionals[0]!;
}

function remoteCommandOptions(
  file: string | readonly string[],
  config: ProjectConfig,
  concurrency: number,
  values: Record<string, unknown>,
  io: CliIo,
): RemoteCommandOptions {
  return {
    file,
    config,
    cwd: io.cwd,
    remote: values.remote as string | undefined,
    concurrency,
    allowDestroyData: Boolean(values['allow-destroy-data']),
    forceUnlock: Boolean(values['force-unlock']),
    lockTimeoutS: lockTimeoutOf(values['lock-timeout']),
    takeover: Boolean(values.takeover),
    json: Boolean(values.json),
    out: io.out,
    warn: (m) => io.err(`warning: ${m}`),
    tell: (m) => io.err(m),
    terminal: values.json ? undefined : io.terminal,
    confirm: confirmer(io, values as { yes?: boolean; json?: boolean }),
  };
}

/** --yes and --json never prompt; nor does a shell nobody answers. */
function confirmer(io: CliIo, values: { yes?: boolean; json?: boolean }) {
  return values.yes || values.json ? undefined : io.confirm;
}

async function deployLike(command: 'deploy' | 'diff', args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    ...REMOTE_OPTIONS,
    fail: { type: 'boolean' },
    frozen: { type: 'boolean' },
    all: { type: 'boolean' },
    replace: { type: 'string', multiple: true },
  });
  if (values.frozen) process.env.PVECDK_FROZEN = '1';
  const file = stackFiles(command, positionals, values.all, io.cwd);
  const concurrency = concurrencyOf(values.concurrency);
  const config = loadProjectConfig(io.cwd);
  const outdir = resolve(io.cwd, (values.out as string | undefined) ?? config.output);
  process.env.PVECDK_CONTEXT = JSON.stringify(config.context);
  process.env.PVECDK_OUTDIR = outdir;
  const { deployCommand } = await import('./commands/deploy.ts');
  const interrupts = stopOnInterrupt(io.err);
  const code = await deployCommand({
    ...remoteCommandOptions(file, config, concurrency, values, io),
    signal: interrupts.signal,
    outdir,
    dryRun: command === 'diff',
    replace: (values.replace as string[] | undefined) ?? [],
  }).finally(() => interrupts.dispose());
  // diff: 0 without changes; with --fail, 1 when there are changes.
  if (command === 'diff') return code === 3 ? (values.fail ? 1 : 0) : code;
  return code;
}

async function destroyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, REMOTE_OPTIONS);
  const file = oneStackFile('destroy', positionals);
  const concurrency = concurrencyOf(values.concurrency);
  const config = loadProjectConfig(io.cwd);
  process.env.PVECDK_CONTEXT = JSON.stringify(config.context);
  const { destroyCommand: run } = await import('./commands/destroy.ts');
  const interrupts = stopOnInterrupt(io.err);
  return run({
    ...remoteCommandOptions(file, config, concurrency, values, io),
    signal: interrupts.signal,
  }).finally(() => interrupts.dispose());
}

async function lsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' },
    remote: { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
    debug: { type: 'boolean' },
  });
  const file = stackFiles('ls', positionals, values.all, io.cwd);
  const config = loadProjectConfig(io.cwd);
  const outdir = resolve(io.cwd, (values.out as string | undefined) ?? config.output);
  process.env.PVECDK_CONTEXT = JSON.stringify(config.context);
  process.env.PVECDK_OUTDIR = outdir;
  const { formatListing, formatPools, listStacks } = await import('./commands/ls.ts');
  const listing = await listStacks({
    file,
    config,
    cwd: io.cwd,
    outdir,
    remote: values.remote as string | undefined,
  });
  io.out(
    values.json
      ? JSON.stringify(listing)
      : [formatListing(listing.stacks), formatPools(listing.pools)].filter(Boolean).join('\n\n'),
  );
  return 0;
}

async function doctorCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' },
    remote: { type: 'string' },
    json: { type: 'boolean' },
    debug: { type: 'boolean' },
  });
  const file = oneStackFile('doctor', positionals);
  const config = loadProjectConfig(io.cwd);
  const outdir = resolve(io.cwd, (values.out as string | undefined) ?? config.output);
  process.env.PVECDK_CONTEXT = JSON.stringify(config.context);
  process.env.PVECDK_OUTDIR = outdir;
  const { doctorCommand: run } = await import('./commands/doctor.ts');
  return run({
    file,
    config,
    cwd: io.cwd,
    outdir,
    remote: values.remote as string | undefined,
    json: Boolean(values.json),
    out: io.out,
  });
}

async function vpnCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'profile')
    throw new CliError(
      'CLI_USAGE',
      sub === undefined ? 'vpn needs a subcommand' : `unknown vpn subcommand '${sub}'`,
      'pvecdk vpn profile <stackfile> <user> [--out FILE] [--stdout]',
    );
  const { values, positionals } = parse(rest, {
    out: { type: 'string' },
    remote: { type: 'string' },
    stdout: { type: 'boolean' },
    debug: { type: 'boolean' },
  });
  if (positionals.length !== 2)
    throw new CliError(
      'CLI_USAGE',
      'vpn profile takes a stack file and a user name',
      'pvecdk vpn profile stacks/acme.ts alice --out alice.ovpn',
    );
  const config = loadProjectConfig(io.cwd);
  const outdir = resolve(io.cwd, config.output);
  process.env.PVECDK_CONTEXT = JSON.stringify(config.context);
  process.env.PVECDK_OUTDIR = outdir;
  const { vpnProfileCommand } = await import('./commands/vpn-profile.ts');
  const result = await vpnProfileCommand({
    file: positionals[0]!,
    user: positionals[1]!,
    config,
    cwd: io.cwd,
    outdir,
    remote: values.remote as string | undefined,
    out: values.out as string | undefined,
    stdout: Boolean(values.stdout),
  });
  if (result.stdout !== undefined) io.out(result.stdout.replace(/\n$/, ''));
  if (result.message) io.err(result.message);
  return 0;
}

/**
 * `pvecdk credentials <stackfile> <user>`: what to hand an RDS user. The
 * initial password is printed to a terminal; to anything else (a pipe, a
 * file, a CI log) only with --stdout, so it does not land in logs by accident.
 */
async function credentialsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' },
    remote: { type: 'string' },
    stdout: { type: 'boolean' },
    json: { type: 'boolean' },
    debug: { type: 'boolean' },
  });
  if (positionals.length !== 2)
    throw new CliError(
      'CLI_USAGE',
      'credentials takes a stack file and a user name',
      'pvecdk credentials stacks/acme.ts acme.alice',
    );
  const config = loadProjectConfig(io.cwd);
  const outdir = resolve(io.cwd, (values.out as string | undefined) ?? config.output);
  process.env.PVECDK_CONTEXT = JSON.stringify(config.context);
  process.env.PVECDK_OUTDIR = outdir;
  const showPassword = Boolean(values.stdout) || io.terminal !== undefined;
  const hidden = showPassword
    ? undefined
    : '(hidden: the output is not a terminal; add --stdout to print it)';
  const { formatCredentials, rdsCredentials } = await import('./commands/credentials.ts');
  const found = await rdsCredentials({
    file: positionals[0]!,
    user: positionals[1]!,
    config,
    cwd: io.cwd,
    outdir,
    remote: values.remote as string | undefined,
    showPassword,
  });
  io.out(
    values.json
      ? JSON.stringify({
          ...found,
          password: found.password ?? null,
          ...(hidden ? { passwordHidden: hidden } : {}),
        })
      : formatCredentials(found, hidden),
  );
  return 0;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

function parse(args: readonly string[], options: OptionSpec) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError('CLI_USAGE', (e as Error).message, 'run `pvecdk help` for the options');
  }
}

function parseContext(pairs: readonly string[]): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError('CLI_USAGE', `--context ${pair}: expected KEY=VALUE`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Not JSON: keep the plain string.
    }
    context[pair.slice(0, eq)] = value;
  }
  return context;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (invokedDirectly) {
  process.exitCode = await main(process.argv.slice(2));
}
