/**
 * What each command accepts and how `pvecdk <command> --help` describes it: the options the
 * CLI parses come from here, so help and parser cannot disagree.
 */

export interface OptionHelp {
  readonly name: string;
  /** The value's placeholder (`DIR`, `N`): a string option; none: a flag. */
  readonly value?: string;
  readonly text: string;
  readonly repeatable?: boolean;
  /** Internal (e.g. how the CLI starts its background emulator): accepted, never shown. */
  readonly hidden?: boolean;
}

export interface CommandHelp {
  readonly summary: string;
  readonly usage: readonly string[];
  readonly options: readonly OptionHelp[];
  readonly examples: readonly string[];
}

const opt = (name: string, text: string, value?: string, more: Partial<OptionHelp> = {}): OptionHelp => ({
  name,
  text,
  ...(value === undefined ? {} : { value }),
  ...more,
});

const OUT = opt('out', 'output folder (default: cdk.json "output", else cdk.out)', 'DIR');
const JSON_OUT = opt('json', 'machine-readable output on stdout');
const DEBUG = opt('debug', 'show stack traces of errors');
const REMOTE = opt('remote', "deploy to this remote of cdk.json instead of the stacks' own", 'NAME');
const CONCURRENCY = opt(
  'concurrency',
  'changes in flight at once (default 4; per node and per template less)',
  'N',
);
const ALLOW_DESTROY_DATA = opt('allow-destroy-data', 'accept deleting or replacing VMs and disks');
const YES = opt('yes', 'do not ask before deleting or replacing (a non-interactive shell never asks)');
const LOCK_TIMEOUT = opt(
  'lock-timeout',
  'wait up to S seconds for a stack another deploy holds (default 300; 0 refuses at once)',
  'S',
);
const FORCE_UNLOCK = opt('force-unlock', "take a stack's lock even if another deploy seems to hold it");
const TAKEOVER = opt('takeover', 'move stacks another stack file deployed to this file (a deliberate move)');
const ALL = opt('all', 'every stack file in stacks/ (several files may also be given, e.g. stacks/*.ts)');
const FROZEN = opt('frozen', 'refuse to change pvecdk.identities.json (for CI; also PVECDK_FROZEN=1)');
const REPLACE = opt(
  'replace',
  'replace this VM or file (a path as diff shows it): needed for what cannot change in place',
  'PATH',
  { repeatable: true },
);

export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  init: {
    summary:
      'make a new project: package.json, tsconfig.json, cdk.json, stacks/platform.ts (the settings to fill in), ' +
      'one example customer and its test, .gitignore; never overwrites a file',
    usage: ['pvecdk init [dir]'],
    options: [],
    examples: ['npx pvecdk init', 'npx pvecdk init my-platform'],
  },
  synth: {
    summary:
      "run a stack file and write one plan per stack (the file's stacks and the stacks they depend on) " +
      'plus manifest.json into the output folder',
    usage: ['pvecdk synth <stackfile>... [options]', 'pvecdk synth --all [options]'],
    options: [
      OUT,
      ALL,
      opt('context', 'a context value for the stacks (JSON values are parsed)', 'KEY=VALUE', {
        repeatable: true,
      }),
      FROZEN,
      opt('json', 'one JSON document on stdout: outdir, stacks, targets, files, warnings, acknowledged'),
      DEBUG,
    ],
    examples: [
      'npx pvecdk synth stacks/acme.ts',
      'npx pvecdk synth stacks/acme.ts --context remote=lab --json',
    ],
  },
  ls: {
    summary: "list the file's stacks (and those they depend on) with their local state and locks",
    usage: ['pvecdk ls <stackfile>... [options]', 'pvecdk ls --all [options]'],
    options: [OUT, ALL, REMOTE, JSON_OUT, DEBUG],
    examples: ['npx pvecdk ls stacks/globex.ts', 'npx pvecdk ls stacks/globex.ts --json'],
  },
  diff: {
    summary: 'synthesize and show what deploy would change (exit 1 with --fail when something would)',
    usage: ['pvecdk diff <stackfile>... [options]', 'pvecdk diff --all [options]'],
    options: [
      OUT,
      ALL,
      REMOTE,
      REPLACE,
      opt('fail', 'exit 1 when something would change'),
      FROZEN,
      opt('concurrency', 'API calls in flight at once while reading (default 4)', 'N'),
      LOCK_TIMEOUT,
      FORCE_UNLOCK,
      TAKEOVER,
      opt('allow-destroy-data', 'accepted as for deploy; diff changes nothing'),
      opt('yes', 'accepted as for deploy; diff never asks'),
      opt('json', 'machine-readable output on stdout (one JSON event per line)'),
      DEBUG,
    ],
    examples: [
      'npx pvecdk diff stacks/globex.ts',
      'npx pvecdk diff stacks/acme.ts --remote lab --fail',
      'npx pvecdk diff stacks/acme.ts --json',
    ],
  },
  deploy: {
    summary:
      "synthesize and deploy the file's stacks and those they depend on (the embedded emulator when no " +
      'remote is configured)',
    usage: ['pvecdk deploy <stackfile>... [options]', 'pvecdk deploy --all [options]'],
    options: [
      OUT,
      ALL,
      REMOTE,
      CONCURRENCY,
      ALLOW_DESTROY_DATA,
      YES,
      REPLACE,
      LOCK_TIMEOUT,
      FORCE_UNLOCK,
      TAKEOVER,
      FROZEN,
      opt('fail', 'accepted for symmetry with diff', undefined, { hidden: true }),
      opt('json', 'machine-readable output on stdout (one JSON event per line)'),
      DEBUG,
    ],
    examples: [
      'npx pvecdk deploy stacks/acme.ts',
      'npx pvecdk deploy stacks/acme.ts --remote lab --yes',
      'npx pvecdk deploy stacks/acme.ts --allow-destroy-data --replace acme-main/vm',
    ],
  },
  destroy: {
    summary: "delete what the file's stacks own (dependants first; --allow-destroy-data for VMs)",
    usage: ['pvecdk destroy <stackfile> [options]'],
    options: [
      OUT,
      REMOTE,
      CONCURRENCY,
      ALLOW_DESTROY_DATA,
      YES,
      LOCK_TIMEOUT,
      FORCE_UNLOCK,
      TAKEOVER,
      opt('json', 'machine-readable output on stdout (one JSON event per line)'),
      DEBUG,
    ],
    examples: [
      'npx pvecdk destroy stacks/globex.ts',
      'npx pvecdk destroy stacks/acme.ts --allow-destroy-data --yes',
    ],
  },
  doctor: {
    summary:
      "check that every guest the file's stacks reach answers SSH with the engine's key in its dialect " +
      '(sh, PowerShell, pfSense); one line per guest, exit 1 when one does not',
    usage: ['pvecdk doctor <stackfile> [options]'],
    options: [OUT, REMOTE, opt('json', 'the checks as one JSON document on stdout'), DEBUG],
    examples: ['npx pvecdk doctor stacks/acme.ts', 'npx pvecdk doctor stacks/acme.ts --remote lab --json'],
  },
  credentials: {
    summary:
      'show what to hand an RDS user: the account, its initial password and the ShowGrounds shortcuts they ' +
      'will find (from state and the secret store; no deploy)',
    usage: ['pvecdk credentials <stackfile> <user> [options]'],
    options: [
      OUT,
      REMOTE,
      opt('stdout', 'print the password also when the output is not a terminal'),
      opt('json', 'the account, password and shortcuts as one JSON document'),
      DEBUG,
    ],
    examples: [
      'npx pvecdk credentials stacks/acme.ts acme.alice',
      'npx pvecdk credentials stacks/acme.ts acme.alice --json --stdout',
    ],
  },
  'bootstrap-role': {
    summary: 'print the least-privilege role and ACLs (pveum commands) a deploy token needs',
    usage: ['pvecdk bootstrap-role <stackfile> [options]'],
    options: [
      opt('pve-version', 'the Proxmox VE version the privileges are named for (default 8)', '8|9'),
      opt('user', 'the deploy user (default pvecdk@pve)', 'NAME@REALM'),
      opt('token', "the user's API token (default deploy)", 'NAME'),
      opt('role', 'the role to create (default PvecdkDeploy)', 'NAME'),
      opt('json', 'the role, privileges and ACLs as JSON'),
      DEBUG,
    ],
    examples: [
      'npx pvecdk bootstrap-role stacks/acme.ts',
      'npx pvecdk bootstrap-role stacks/acme.ts --pve-version 9',
    ],
  },
  vpn: {
    summary:
      "vpn profile: write a deployed VPN user's filled .ovpn (or WireGuard .conf) from state and the secret " +
      'store, mode 0600, without deploying (--stdout prints it instead)',
    usage: ['pvecdk vpn profile <stackfile> <user> [options]'],
    options: [
      opt('out', "the file to write (default: the profile's name, e.g. alice.ovpn)", 'FILE'),
      opt('stdout', 'print the profile, key included, on stdout (never by default)'),
      REMOTE,
      DEBUG,
    ],
    examples: [
      'npx pvecdk vpn profile stacks/acme.ts acme.alice',
      'npx pvecdk vpn profile stacks/acme.ts acme.alice --out alice.ovpn',
    ],
  },
  state: {
    summary:
      "the state of configured remotes in cdk.json's backend (local files or PostgreSQL): list the stacks, show " +
      "one's state or the plans applied to it; migrate --to pg moves local state files into PostgreSQL",
    usage: [
      'pvecdk state list [--json]',
      'pvecdk state show <stack> [--remote NAME] [--json]',
      'pvecdk state history <stack> [--remote NAME] [--json]',
      'pvecdk state migrate --to pg [--json]',
    ],
    options: [
      opt('remote', 'show, history: the remote of the stack (needed when several hold one)', 'NAME'),
      opt('to', 'migrate: the backend to move local state into (pg)', 'BACKEND'),
      JSON_OUT,
      DEBUG,
    ],
    examples: [
      'npx pvecdk state list',
      'npx pvecdk state history acme',
      'PVECDK_PG_URL=postgresql://... npx pvecdk state migrate --to pg',
    ],
  },
  secrets: {
    summary:
      'the team secret store (pvecdk.secrets.json, age-encrypted to the recipients cdk.json lists): make an ' +
      'identity, add or remove a recipient (re-encrypts), move the local store in',
    usage: [
      'pvecdk secrets identity new [--out FILE]',
      'pvecdk secrets recipients add <age1…>',
      'pvecdk secrets recipients remove <age1…>',
      'pvecdk secrets migrate',
    ],
    options: [
      opt(
        'out',
        'identity new: the file to write (mode 0600, never overwritten; default: PVECDK_AGE_IDENTITY_FILE, ' +
          'else ~/.config/pvecdk/age-identity.txt)',
        'FILE',
      ),
      DEBUG,
    ],
    examples: [
      'npx pvecdk secrets identity new',
      'npx pvecdk secrets recipients add "$(npx pvecdk secrets identity new --out ci-age-identity.txt)"',
      'npx pvecdk secrets migrate',
    ],
  },
  sim: {
    summary:
      'serve the embedded Proxmox VE emulator over HTTPS on 127.0.0.1 (one per data dir; --stop stops the ' +
      'one serving it, e.g. the embedded emulator a deploy started)',
    usage: [
      'pvecdk sim [--port N] [--data-dir DIR] [--reset] [--json] [--latency-scale X] [--nodes N] [--faults JSON]',
      '           [--idle-seconds N]',
      'pvecdk sim --stop [--data-dir DIR] [--json]',
    ],
    options: [
      opt('port', 'HTTPS port (default 8006; 0 picks a free one)', 'N'),
      opt('data-dir', 'where the state, certificate and token live (default .pvecdk/sim)', 'DIR'),
      opt('reset', 'start from a fresh cluster'),
      opt('json', 'print one JSON line when ready (or stopped)'),
      opt('latency-scale', 'multiply task latencies (0.01 for speed)', 'X'),
      opt('nodes', 'nodes of a fresh cluster (default 3)', 'N'),
      opt('faults', 'a fault plan (also PVECDK_SIM_FAULTS)', 'JSON'),
      opt('idle-seconds', 'exit after this long without requests', 'N'),
      opt('stop', 'stop the emulator serving the data dir'),
      opt('background', 'how the CLI starts its embedded emulator', undefined, { hidden: true }),
    ],
    examples: ['npx pvecdk sim', 'npx pvecdk sim --port 0 --json', 'npx pvecdk sim --stop'],
  },
};

/** The one-page help of a command: what it does, usage, options, examples. */
export function formatCommandHelp(command: string): string {
  const help = COMMAND_HELP[command]!;
  const shown = help.options.filter((o) => !o.hidden);
  const labels = shown.map((o) => `--${o.name}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max(0, ...labels.map((l) => l.length));
  return [
    wrap(`pvecdk ${command}: ${help.summary}`, 0),
    '',
    'Usage:',
    ...help.usage.map((u) => `  ${u}`),
    ...(shown.length
      ? [
          '',
          'Options:',
          ...shown.map(
            (o, i) =>
              `  ${labels[i]!.padEnd(width)}  ${wrap(`${o.text}${o.repeatable ? ' (repeatable)' : ''}`, width + 4)}`,
          ),
          `  ${'--help, -h'.padEnd(width)}  this help`,
        ]
      : ['', 'Options:', '  --help, -h  this help']),
    '',
    'Examples:',
    ...help.examples.map((e) => `  ${e}`),
    '',
    'Run it with npx (npx pvecdk ...) when you pass options: `npm run` keeps options before `--` for itself.',
  ].join('\n');
}

const WIDTH = 100;

/** Text wrapped at WIDTH columns, lines after the first indented by `indent` (the first already is). */
function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = '';
  let room = WIDTH - indent;
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - indent;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** The parseArgs options of a command, from its help. */
export function parseSpecOf(
  command: string,
): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  return Object.fromEntries(
    COMMAND_HELP[command]!.options.map((o) => [
      o.name,
      { type: o.value ? 'string' : 'boolean', ...(o.repeatable ? { multiple: true } : {}) },
    ]),
  );
}
