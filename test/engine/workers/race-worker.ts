/**
 * One racer of test/engine/process-race.ts, in its own process:
 *   lock <stateDir> <mode> <command>    take the deploy lock of stack `platform-<round>` at once
 *   count <file> <times>                add 1 to the counter file `<file>-<round>` `times` times, each inside its file mutex
 *   remember <stateDir> <prefix> <n>    remember n token secrets in the secret store
 *   generate <stateDir> <name>          resolve one generated secret
 *   team-remember <dir> <identityFile> <recipient> <prefix> <n>
 *                                       remember n token secrets in dir's team store (age, to recipient)
 * Prints `ready`; at each `go` on stdin does one round and prints its result
 * (one JSON line) and `done`; exits when stdin closes, holding what it took until then.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { acquireDeployLock, type LockMode } from '../../../lib/engine/deploy-lock.ts';
import { withFileMutex } from '../../../lib/engine/file-mutex.ts';
import { SecretStore } from '../../../lib/engine/secrets/secret-store.ts';
import { TeamSecretFile, teamMutexPath } from '../../../lib/engine/secrets/team-secret-store.ts';

const [task, ...args] = process.argv.slice(2);
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

function work(round: number): void {
  if (task === 'lock') {
    const [stateDir, mode, command] = args as [string, LockMode, string];
    try {
      const held = acquireDeployLock(stateDir, 'prod', `platform-${round}`, command, { mode });
      say({ won: true, tookOverFrom: held.tookOverFrom ?? null });
    } catch (e) {
      say({ won: false, code: (e as { code?: string }).code, message: (e as Error).message });
    }
  } else if (task === 'count') {
    const [file, times] = args as [string, string];
    const counter = `${file}-${round}`;
    const busy = () => new Error('mutex busy');
    let overlaps = 0;
    for (let i = 0; i < Number(times); i++)
      withFileMutex(`${counter}.mutex`, { timeoutMs: 60_000, busy }, () => {
        // Nobody else may be inside: a second one finds the marker of the first.
        try {
          writeFileSync(`${counter}.inside`, '', { flag: 'wx' });
        } catch {
          overlaps++;
        }
        // Read, then write: two workers inside at once would lose each other's additions.
        writeFileSync(counter, String(Number(readFileSync(counter, 'utf8')) + 1));
        rmSync(`${counter}.inside`, { force: true });
      });
    say({ counted: Number(times), overlaps });
  } else if (task === 'remember') {
    const [stateDir, prefix, n] = args as [string, string, string];
    const store = new SecretStore(stateDir, 'prod');
    for (let i = 0; i < Number(n); i++)
      store.remember(`received/pve-tokens/${prefix}-${i}@pve!deploy`, `${prefix}-secret-${i}`);
    say({ remembered: Number(n) });
  } else if (task === 'generate') {
    const [stateDir, name] = args as [string, string];
    say({ value: new SecretStore(stateDir, 'prod').resolve(`generated:${name}`) });
  } else if (task === 'team-remember') {
    const [dir, identityFile, recipient, prefix, n] = args as [string, string, string, string, string];
    const team = new TeamSecretFile({
      file: `${dir}/pvecdk.secrets.json`,
      recipients: [recipient],
      mutex: teamMutexPath(`${dir}/.pvecdk`),
      identityFile,
    });
    const store = new SecretStore(`${dir}/.pvecdk`, 'prod', dir, team);
    for (let i = 0; i < Number(n); i++)
      store.remember(`received/pve-tokens/${prefix}-${i}@pve!deploy`, `${prefix}-secret-${i}`);
    say({ remembered: Number(n) });
  } else throw new Error(`unknown task ${task}`);
}

let round = 0;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'go') process.exit(3);
  work(++round);
  process.stdout.write('done\n');
});
process.stdout.write('ready\n');
