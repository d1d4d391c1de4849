/**
 * Holds a stack's deploy lock in PostgreSQL until killed: argv url, remote,
 * stack, command. Prints `held` once it has the lock.
 */
import { PgBackend } from '../../../lib/engine/backends/pg-backend.ts';

const [url, remote, stack, command] = process.argv.slice(2) as [string, string, string, string];
const backend = new PgBackend({ url, recoveryDir: '/nonexistent' });
await backend.acquireLock(remote, stack, command, {});
process.stdout.write('held\n');
// Kept alive until the test kills it.
setInterval(() => undefined, 60_000);
