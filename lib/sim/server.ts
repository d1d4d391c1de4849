import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { adminEndpoint, type StopReason } from './admin-endpoint.ts';
import { loadOrCreateCertificate } from './certificate.ts';
import { DataDirOwnership, OWNER_DIR, TOKEN_SECRET_FILE } from './data-dir-owner.ts';
import { Emulator, type EmulatorRequest } from './emulator.ts';
import { EmulatorActivity } from './emulator-activity.ts';
import { FaultInjector, type FaultPlan } from './faults.ts';
import type { GuestEndpoint } from './guests/guest-endpoint.ts';
import { GuestManager } from './guests/guest-manager.ts';
import type { GuestKind } from './guests/guest-state.ts';
import type { EmulatorLatency } from './handler.ts';
import { isMultipart, readUpload } from './multipart.ts';
import { type SeedOptions, seedState } from './seed.ts';
import { loadState, StatePersister } from './state.ts';
import type { StorageIoOptions } from './storage-io.ts';

export interface StartEmulatorOptions extends SeedOptions {
  /** Default 8006; 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Default `.pvecdk/sim`. */
  readonly dataDir?: string;
  /** Start from a fresh seeded cluster. */
  readonly reset?: boolean;
  /** Multiplies every task latency (1 is realistic; tests use 0.01 or less). */
  readonly latencyScale?: number;
  readonly latency?: Partial<EmulatorLatency>;
  /** Storage bandwidth and allocation time of clones (see StorageIoOptions). */
  readonly storage?: StorageIoOptions;
  /** Faults to inject from the start; also settable at run time through PUT /pvecdk-sim/faults. */
  readonly faults?: Partial<FaultPlan>;
  /**
   * Check every answer against the schema's `returns` (see EmulatorOptions);
   * `close()` then fails with every mismatch seen, so none goes unnoticed.
   */
  readonly checkAnswers?: boolean;
  /**
   * Recorded with the data dir's owner: this emulator exits after so many
   * seconds without requests (its caller does that, see cli.ts), so clients
   * can say how long it lives.
   */
  readonly idleSeconds?: number;
  /** Emulated guests (SSH per running VM): boot times in ms at latency scale 1. */
  readonly guests?: { readonly bootMs?: Partial<Record<GuestKind, number>> };
}

export interface RunningEmulator {
  readonly url: string;
  readonly port: number;
  readonly tokenId: string;
  /** The API token secret: shown once on start, never logged elsewhere. */
  readonly tokenSecret: string;
  readonly fingerprint: string;
  readonly emulator: Emulator;
  readonly faults: FaultInjector;
  readonly dataDir: string;
  /** Requests and leases, for an emulator that exits when idle. */
  readonly activity: EmulatorActivity;
  /**
   * Settles when the emulator should stop. On `ownership-lost` it has
   * already stopped answering and writes nothing more; close() then only
   * cleans up.
   */
  readonly stopRequested: Promise<StopReason>;
  /** The emulated guests: SSH endpoints and host keys (also GET /pvecdk-sim/guests). */
  readonly guests: GuestManager;
  /** The running VMs' guest SSH endpoints, as GET /pvecdk-sim/guests answers them. */
  guestEndpoints(): GuestEndpoint[];
  close(): Promise<void>;
}

/**
 * Serves the emulator over HTTPS on 127.0.0.1. One emulator serves a data
 * dir: it takes the dir's ownership first (EMULATOR_BUSY when another live
 * emulator serves it, see data-dir-owner.ts) and publishes its endpoint
 * there for clients. State lives in the data dir (written atomically, never
 * once another owner took over); the certificate and token secret persist
 * with it, and tasks left running by an earlier emulator on it are finished.
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const dataDir = options.dataDir ?? '.pvecdk/sim';
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const owner = await DataDirOwnership.acquire(
    dataDir,
    options.idleSeconds !== undefined ? { idleSeconds: options.idleSeconds } : {},
  );
  try {
    return await serveOwned(dataDir, owner, options);
  } catch (e) {
    owner.release();
    throw e;
  }
}

/** Empties a data dir for --reset, but for the ownership this process holds. */
function resetDataDir(dataDir: string): void {
  for (const name of readdirSync(dataDir)) {
    if (name !== OWNER_DIR) rmSync(join(dataDir, name), { recursive: true, force: true });
  }
}

async function serveOwned(
  dataDir: string,
  owner: DataDirOwnership,
  options: StartEmulatorOptions,
): Promise<RunningEmulator> {
  if (options.reset) resetDataDir(dataDir);
  const state = loadState(dataDir, () => seedState(options));
  let stop: (reason: StopReason) => void = () => {};
  const stopRequested = new Promise<StopReason>((resolve) => {
    stop = resolve;
  });
  const sockets = new Set<Duplex>();
  let server: Server | undefined;
  let guests: GuestManager | undefined;
  const persister = new StatePersister(dataDir, () => state, 50, {
    mayWrite: () => owner.isCurrent(),
    onRefused: () => {
      // Another emulator took this data dir over: stop answering at once, write nothing more.
      emulator.tasks.stop();
      void guests?.close();
      for (const s of sockets) s.destroy();
      server?.close();
      stop('ownership-lost');
    },
  });
  const cert = loadOrCreateCertificate(dataDir);
  const activity = new EmulatorActivity();
  const emulator = new Emulator(state, {
    certificate: cert.cert,
    latencyScale: options.latencyScale ?? 1,
    ...(options.latency ? { latency: options.latency } : {}),
    ...(options.storage ? { storage: options.storage } : {}),
    onChange: () => {
      persister.changed();
      // Guests follow the VMs: a start boots one, a stop, delete or rollback takes it down.
      guests?.reconcile();
    },
    ...(options.checkAnswers ? { checkAnswers: true } : {}),
  });
  guests = new GuestManager(state, {
    latencyScale: options.latencyScale ?? 1,
    ...(options.guests?.bootMs ? { bootMs: options.guests.bootMs } : {}),
    changed: () => persister.changed(),
    // An SSH session to a guest is use of the emulator, as a request is: it does not exit idle under it.
    used: () => activity.touch(),
  });
  const running = guests;
  running.install(emulator);
  persister.flush();
  const faults = new FaultInjector(options.faults);
  emulator.requestFault = faults.decide;
  emulator.tasks.taskFault = faults.taskFault;
  // Tasks an earlier emulator on this data dir accepted: finished now if their time is up, else scheduled.
  emulator.tasks.resume();
  const rootToken = `PVEAPIToken=root@pam!pvecdk=${state.tokens['root@pam!pvecdk']!.secret}`;
  // API requests by method since this process started (GET /pvecdk-sim/requests), so tests can count writes.
  const apiRequests: Record<string, number> = {};
  server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    activity.touch();
    const serve = (request: EmulatorRequest) => {
      if (request.url.startsWith('/pvecdk-sim/')) {
        const answer = adminEndpoint(request, rootToken, {
          faults,
          activity,
          stop,
          guests: running,
          requests: () => ({ ...apiRequests }),
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
        return;
      }
      apiRequests[request.method] = (apiRequests[request.method] ?? 0) + 1;
      const fault = emulator.requestFault?.(request);
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      const respond = () => {
        const answer =
          fault?.kind === 'status'
            ? {
                status: fault.status,
                reason: fault.reason,
                body: JSON.stringify({ data: null, message: `${fault.reason}\n` }),
              }
            : emulator.handle(request);
        // Saved before the answer, as Proxmox writes a config before it answers: a UPID a client
        // holds always names a task the data dir knows, whatever happens to this process next.
        if (request.method !== 'GET') persister.flushIfDirty();
        const send = () => {
          res.writeHead(answer.status, answer.reason, {
            'content-type': 'application/json;charset=UTF-8',
            'content-length': Buffer.byteLength(answer.body),
            // pveproxy closes the connection after an upload.
            ...(request.upload ? { connection: 'close' } : {}),
          });
          res.end(answer.body);
        };
        if ('delayMs' in answer && answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      };
      if (fault?.kind === 'delay') setTimeout(respond, fault.ms);
      else respond();
    };
    const head = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    // Decided from the head, as pveproxy does: a caller that fails to authenticate, or a body
    // too large, is answered without reading the body (the connection then closes).
    const refused = head.url.startsWith('/pvecdk-sim/') ? undefined : emulator.admit(head);
    if (refused) {
      const send = () => {
        res.writeHead(refused.status, refused.reason, { connection: 'close' });
        res.end(refused.body);
      };
      if (refused.delayMs) setTimeout(send, refused.delayMs);
      else send();
      return;
    }
    if ((head.method === 'POST' || head.method === 'PUT') && isMultipart(req.headers['content-type'])) {
      // Streamed and hashed, never buffered: uploads are GBs.
      void readUpload(req).then((upload) => serve({ ...head, body: '', upload }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => serve({ ...head, body: Buffer.concat(chunks).toString('utf8') }));
  });
  const listening = server;
  listening.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    listening.once('error', reject);
    listening.listen(options.port ?? 8006, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = listening.address() as AddressInfo;
  const tokenId = 'root@pam!pvecdk';
  // VMs that were running when the emulator last stopped boot their guests again.
  running.reconcile();
  const url = `https://127.0.0.1:${port}`;
  const tokenSecret = state.tokens[tokenId]!.secret;
  owner.publish(
    { url, port, fingerprint: cert.fingerprint, tokenId, tokenSecretFile: TOKEN_SECRET_FILE },
    tokenSecret,
  );
  let closed: Promise<void> | undefined;
  const shutdown = async () => {
    owner.markStopping();
    await emulator.tasks.drain();
    emulator.tasks.stop();
    await running.close();
    // Saved before the port closes (a process that finds it closed may take the data dir over at
    // once), and nothing written after: a late answer must not overwrite a newer owner's state.
    persister.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => listening.close(() => resolve()));
    owner.release();
  };
  return {
    url,
    port,
    tokenId,
    tokenSecret,
    fingerprint: cert.fingerprint,
    emulator,
    faults,
    dataDir,
    activity,
    stopRequested,
    guests: running,
    guestEndpoints: () => running.endpoints(),
    close: async () => {
      closed ??= shutdown();
      await closed;
      const { mismatches } = emulator.answerChecks;
      if (mismatches.length)
        throw new Error(
          `the emulator sent ${mismatches.length} answer(s) that do not match the schema's returns:\n${mismatches.join('\n')}`,
        );
    },
  };
}
