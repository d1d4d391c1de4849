import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RemoteCommandOptions } from './commands/remote-command.ts';
import type { ProjectConfig } from './config.ts';
import { CliError } from './errors.ts';
import { COMMAND_HELP, formatCommandHelp, parseSpecOf } from './help/command-help.ts';
import { closest, wantsHelpAfterCheck } from './help/option-check.ts';
import { lockTimeoutOf } from './lock-wait.ts';
import { colourWanted, type Palette, paletteFor } from './output/colour.ts';
import { USAGE } from './usage.ts';

// Only what every command needs is imported up front: `--version` and `--help` load nothing
// else, and each command loads its own modules (the library, zod, the engine) when it runs.

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
  /** A terminal for the live progress view; absent when output is a pipe or a file. */
  readonly terminal?: NodeJS.WriteStream;
  /** Asks a yes/no question; absent when nobody can answer (a non-interactive shell never prompts). */
  readonly confirm?: (question: string) => Promise<boolean>;
  /** Whether what goes to `out` and to `err` is coloured (see output/colour.ts); none when absent. */
  readonly colour?: { readonly out: boolean; readonly err: boolean };
}

const interactive = Boolean(process.stdout.isTTY && process.stdin.isTTY);

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  cwd: process.cwd(),
  ...(process.stdout.isTTY && !process.env.CI ? { terminal: process.stdout } : {}),
  ...(interactive ? { confirm: askOnTerminal } : {}),
  colour: { out: colourWanted(process.stdout), err: colourWanted(process.stderr) },
};

const outPalette = (io: CliIo): Palette => paletteFor(io.colour?.out === true);
const errPalette = (io: CliIo): Palette => paletteFor(io.colour?.err === true);

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
    const { errorAsJson, exitCodeOf, formatError } = await import('./output/error-output.ts');
    // With --json a pipeline reads the error as data: code, message and hint apart.
    io.err(argv.includes('--json') ? JSON.stringify(errorAsJson(e)) : formatError(e, debug, errPalette(io)));
    return exitCodeOf(e);
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    case 'help':
      return helpCommand(rest, io);
    case 'version':
    case '--version':
      io.out(packageVersion());
      return 0;
  }
  if (!(command in COMMAND_HELP)) {
    const near = closest(command, [...Object.keys(COMMAND_HELP), 'help', 'version']);
    throw new CliError(
      'CLI_USAGE',
      `unknown command '${command}'`,
      near
        ? `did you mean \`pvecdk ${near}\`? run \`pvecdk help\` for the commands`
        : 'run `pvecdk help` for the commands',
    );
  }
  if (wantsHelpAfterCheck(command, rest)) {
    io.out(formatCommandHelp(command));
    return 0;
  }
  switch (command) {
    case 'init':
      return initCommand(rest, io);
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
    case 'state':
      return stateCommand(rest, io);
    case 'secrets': {
      const { values, positionals } = parse('secrets', rest);
      const { secretsCommand } = await import('./commands/secrets.ts');
      return secretsCommand(positionals, values.out as string | undefined, io);
    }
    case 'bootstrap-role': {
      const { bootstrapRoleCommand } = await import('./commands/bootstrap-role.ts');
      return bootstrapRoleCommand(rest, io);
    }
    default: {
      const { runEmulatorCli } = await import('../sim/cli.ts');
      try {
        return await runEmulatorCli(rest);
      } catch (e) {
        // Node's parseArgs throws a plain TypeError (ERR_PARSE_ARGS_*) for what the check above let through.
        if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
          throw new CliError('CLI_USAGE', (e as Error).message, 'see `pvecdk sim --help`');
        }
        throw e;
      }
    }
  }
}

/** `pvecdk help [command]`: the overview, or one command's help. */
function helpCommand(args: readonly string[], io: CliIo): number {
  const [topic] = args;
  if (topic === undefined) {
    io.out(USAGE);
    return 0;
  }
  if (!(topic in COMMAND_HELP)) {
    const near = closest(topic, Object.keys(COMMAND_HELP));
    throw new CliError(
      'CLI_USAGE',
      `no command '${topic}'`,
      `${near ? `did you mean \`pvecdk help ${near}\`? ` : ''}commands: ${Object.keys(COMMAND_HELP).join(', ')}`,
    );
  }
  io.out(formatCommandHelp(topic));
  return 0;
}

async function initCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { positionals } = parse('init', args);
  if (positionals.length > 1) {
    throw new CliError('CLI_USAGE', 'init takes at most one folder', 'pvecdk init my-platform');
  }
  const { initCommand: run } = await import('./commands/init.ts');
  return run({ dir: positionals[0] ?? '.', cwd: io.cwd, out: io.out });
}

async function synthCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('synth', args);
  if (values.frozen) process.env.PVECDK_FROZEN = '1';
  const files = await stackFiles('synth', positionals, values.all, io.cwd);
  const { loadProjectConfig } = await import('./config.ts');
  const { formatSynthResult, synthStackFile } = await import('./commands/synth.ts');
  const { acknowledgedAsJson } = await import('./output/acknowledged.ts');
  const { loadStackFile } = await import('./stack-file.ts');
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
        acknowledged: acknowledgedAsJson(result.assembly.acknowledged, io.cwd),
      }),
    );
  } else {
    io.out(formatSynthResult(result, io.cwd));
  }
  return 0;
}

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
async function stackFiles(
  command: string,
  positionals: readonly string[],
  all: unknown,
  cwd: string,
): Promise<string[]> {
  if (all) {
    if (positionals.length)
      throw new CliError('CLI_USAGE', `${command} --all takes no stack file`, `pvecdk ${command} --all`);
    const { allStackFiles } = await import('./stack-file.ts');
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
    palette: values.json ? paletteFor(false) : outPalette(io),
    warn: (m) => io.err(`${errPalette(io).warning('warning:')} ${m}`),
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
  const { values, positionals } = parse(command, args);
  if (values.frozen) process.env.PVECDK_FROZEN = '1';
  const file = await stackFiles(command, positionals, values.all, io.cwd);
  const concurrency = concurrencyOf(values.concurrency);
  const { loadProjectConfig } = await import('./config.ts');
  const config = loadProjectConfig(io.cwd);
  const outdir = resolve(io.cwd, (values.out as string | undefined) ?? config.output);
  process.env.PVECDK_CONTEXT = JSON.stringify(config.context);
  process.env.PVECDK_OUTDIR = outdir;
  const { deployCommand } = await import('./commands/deploy.ts');
  const { stopOnInterrupt } = await import('./interrupt.ts');
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
  const { values, positionals } = parse('destroy', args);
  const file = oneStackFile('destroy', positionals);
  const concurrency = concurrencyOf(values.concurrency);
  const { loadProjectConfig } = await import('./config.ts');
  const config = loadProjectConfig(io.cwd);
  process.env.PVECDK_CONTEXT = JSON.stringify(config.context);
  const { destroyCommand: run } = await import('./commands/destroy.ts');
  const { stopOnInterrupt } = await import('./interrupt.ts');
  const interrupts = stopOnInterrupt(io.err);
  return run({
    ...remoteCommandOptions(file, config, concurrency, values, io),
    signal: interrupts.signal,
  }).finally(() => interrupts.dispose());
}

async function lsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('ls', args);
  const file = await stackFiles('ls', positionals, values.all, io.cwd);
  const { loadProjectConfig } = await import('./config.ts');
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
  const { values, positionals } = parse('doctor', args);
  const file = oneStackFile('doctor', positionals);
  const { loadProjectConfig } = await import('./config.ts');
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
  const { values, positionals } = parse('vpn', rest);
  if (positionals.length !== 2)
    throw new CliError(
      'CLI_USAGE',
      'vpn profile takes a stack file and a user name',
      'pvecdk vpn profile stacks/acme.ts alice --out alice.ovpn',
    );
  const { loadProjectConfig } = await import('./config.ts');
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
const STATE_SUBCOMMANDS = ['list', 'show', 'history', 'migrate'];

async function stateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || !STATE_SUBCOMMANDS.includes(sub))
    throw new CliError(
      'CLI_USAGE',
      sub === undefined ? 'state needs a subcommand' : `unknown state subcommand '${sub}'`,
      `one of: ${STATE_SUBCOMMANDS.join(', ')} (see \`pvecdk state --help\`)`,
    );
  const { values, positionals } = parse('state', rest);
  const wantsStack = sub === 'show' || sub === 'history';
  if (positionals.length !== (wantsStack ? 1 : 0))
    throw new CliError(
      'CLI_USAGE',
      wantsStack ? `state ${sub} takes one stack name` : `state ${sub} takes no argument`,
      wantsStack ? `pvecdk state ${sub} acme` : `pvecdk state ${sub === 'migrate' ? 'migrate --to pg' : sub}`,
    );
  if (sub === 'migrate' && values.to === undefined)
    throw new CliError('CLI_USAGE', 'state migrate needs --to', 'pvecdk state migrate --to pg');
  if (sub !== 'migrate' && values.to !== undefined)
    throw new CliError('CLI_USAGE', `--to is an option of state migrate, not of state ${sub}`);
  if ((sub === 'list' || sub === 'migrate') && values.remote !== undefined)
    throw new CliError(
      'CLI_USAGE',
      `--remote is an option of state show and state history, not of state ${sub}`,
    );
  const { loadProjectConfig } = await import('./config.ts');
  const config = loadProjectConfig(io.cwd);
  const state = await import('./commands/state.ts');
  const common = { config, cwd: io.cwd, json: Boolean(values.json), out: io.out };
  const remote = values.remote as string | undefined;
  if (sub === 'list') return state.stateList(common);
  if (sub === 'show') return state.stateShow({ ...common, stack: positionals[0]!, remote });
  if (sub === 'history') return state.stateHistory({ ...common, stack: positionals[0]!, remote });
  return state.stateMigrate({ ...common, to: values.to as string });
}

async function credentialsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('credentials', args);
  if (positionals.length !== 2)
    throw new CliError(
      'CLI_USAGE',
      'credentials takes a stack file and a user name',
      'pvecdk credentials stacks/acme.ts acme.alice',
    );
  const { loadProjectConfig } = await import('./config.ts');
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

/** A command's arguments, checked by wantsHelpAfterCheck already: Node's parser finds no surprise left. */
function parse(command: string, args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: parseSpecOf(command),
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new CliError('CLI_USAGE', (e as Error).message, `see \`pvecdk ${command} --help\``);
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
