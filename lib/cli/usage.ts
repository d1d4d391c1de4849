/** The help text; README's CLI reference mirrors it. */
export const USAGE = `pvecdk: infrastructure as code for Proxmox VE hosting platforms

Usage:
  pvecdk init [dir]
  pvecdk synth <stackfile>... | --all [--out DIR] [--context KEY=VALUE]... [--frozen] [--json] [--debug]
  pvecdk ls <stackfile>... | --all [--remote NAME] [--json]
  pvecdk diff <stackfile>... | --all [--remote NAME] [--replace PATH]... [--fail] [--frozen] [--json] [--debug]
  pvecdk deploy <stackfile>... | --all [--remote NAME] [--concurrency N] [--allow-destroy-data] [--yes]
                [--replace PATH]... [--lock-timeout S] [--force-unlock] [--takeover] [--frozen] [--json]
                [--debug]
  pvecdk destroy <stackfile> [--remote NAME] [--concurrency N] [--allow-destroy-data] [--yes]
                 [--lock-timeout S] [--force-unlock] [--takeover] [--json] [--debug]
  pvecdk doctor <stackfile> [--remote NAME] [--json]
  pvecdk credentials <stackfile> <user> [--remote NAME] [--stdout] [--json]
  pvecdk bootstrap-role <stackfile> [--pve-version 8|9] [--user NAME] [--token NAME] [--role NAME] [--json]
  pvecdk vpn profile <stackfile> <user> [--out FILE] [--stdout] [--remote NAME]
  pvecdk state list|show <stack>|history <stack> [--remote NAME] [--json]
  pvecdk state migrate --to pg [--json]
  pvecdk secrets identity new [--out FILE] | recipients add|remove <age1…> | migrate
  pvecdk sim [--port N] [--data-dir DIR] [--reset] [--json] [--latency-scale X] [--nodes N] [--faults JSON]
             [--idle-seconds N]
  pvecdk sim --stop [--data-dir DIR] [--json]
  pvecdk help [command] | pvecdk <command> --help | -h
  pvecdk version | --version

Commands:
  init    make a new project in dir (default .): package.json, tsconfig.json, cdk.json,
          stacks/platform.ts, an example customer and its test, .gitignore
  synth   run a stack file and write one plan per stack (the file's stacks and the
          stacks they depend on) plus manifest.json into the output folder
  ls      list the file's stacks (and those they depend on) with their local state and locks
  diff    synthesize and show what deploy would change (exit 1 with --fail when something would)
  deploy  synthesize and deploy the file's stacks and those they depend on (the embedded
          emulator when no remote is configured)
  destroy delete what the file's stacks own (dependants first; --allow-destroy-data for VMs)
  doctor  check that every guest the file's stacks reach answers SSH with the engine's key in
          its dialect (sh, PowerShell, pfSense); one line per guest, exit 1 when one does not
  credentials
          show what to hand an RDS user: the account, its initial password and the
          ShowGrounds shortcuts they will find (from state and the secret store; no deploy)
  bootstrap-role
          print the least-privilege role and ACLs (pveum commands) a deploy token needs
  vpn profile
          write a deployed VPN user's filled .ovpn (or WireGuard .conf) from state and the
          secret store, mode 0600, without deploying (--stdout prints it instead)
  state   the state of configured remotes in cdk.json's backend (local files or PostgreSQL):
          list the stacks, show one's state, or history of the plans applied to it;
          migrate --to pg moves local state (and its history) into PostgreSQL
  secrets the team secret store: identity new writes an age identity (mode 0600) and prints its
          recipient; recipients add|remove edits cdk.json and re-encrypts pvecdk.secrets.json;
          migrate moves the local store into it
  sim     serve the embedded Proxmox VE emulator over HTTPS on 127.0.0.1 (one per data dir;
          --stop stops the one serving it, e.g. the embedded emulator a deploy started)

Options:
  --out DIR             output folder (default: cdk.json "output", else cdk.out)
  --out FILE            vpn profile: the file to write (default: the profile's name, e.g. alice.ovpn);
                        secrets identity new: the identity file (default: PVECDK_AGE_IDENTITY_FILE,
                        else ~/.config/pvecdk/age-identity.txt)
  --stdout              vpn profile: print the profile, key included, on stdout (never by default);
                        credentials: print the password also when the output is not a terminal
  --context KEY=VALUE   a context value for the stacks (repeatable; JSON values are parsed)
  --remote NAME         deploy to this remote of cdk.json instead of the stacks' own
  --concurrency N       changes in flight at once (default 4; per node and per storage less)
  --allow-destroy-data  accept deleting or replacing VMs and disks
  --replace PATH        replace this VM or file (a path as diff shows it; repeatable): needed
                        for what cannot change in place, such as a disk made smaller
  --yes                 do not ask before deleting or replacing (a non-interactive shell never asks)
  --lock-timeout S      wait up to S seconds for a stack another deploy holds (default 300;
                        0 refuses at once); a stack only read is shared with other readers
  --force-unlock        take a stack's lock even if another deploy seems to hold it
  --takeover            move stacks another stack file deployed to this file (a deliberate move)
  --to pg               state migrate: the backend local state files move into
  --fail                diff: exit 1 when something would change
  --all                 every stack file in stacks/ (several files may also be given, e.g. stacks/*.ts)
  --frozen              refuse to change pvecdk.identities.json (for CI; also PVECDK_FROZEN=1)
  --json                machine-readable output on stdout (deploy/destroy: one JSON event per line)
  --debug               show stack traces of errors

Exit codes: 0 success, 1 failure while running, 2 usage, configuration, validation error or
refusal, 130 stopped (Ctrl-C); each error code's is in docs/errors.md.`;
