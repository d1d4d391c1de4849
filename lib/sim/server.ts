import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadOrCreateCertificate } from './certificate.ts';
import { Emulator, type EmulatorRequest } from './emulator.ts';
import { FaultInjector, type FaultPlan } from './faults.ts';
import type { EmulatorLatency } from './handler.ts';
import { isMultipart, readUpload } from './multipart.ts';
import { type SeedOptions, seedState } from './seed.ts';
import { loadState, StatePersister } from './state.ts';

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
  /** Faults to inject from the start; also settable at run time through PUT /pvecdk-sim/faults. */
  readonly faults?: Partial<FaultPlan>;
  /**
   * Check every answer against the schema's `returns` (see EmulatorOptions);
   * `close()` then fails with every mismatch seen, so none goes unnoticed.
   */
  readonly checkAnswers?: boolean;
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
  close(): Promise<void>;
}

/**
 * Serves the emulator over HTTPS on 127.0.0.1. State lives in the data dir
 * (written atomically); the certificate and token secret persist with it.
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const dataDir = options.dataDir ?? '.pvecdk/sim';
  if (options.reset) rmSync(dataDir, { recursive: true, force: true });
  const state = loadState(dataDir, () => seedState(options));
  const persister = new StatePersister(dataDir, () => state);
  const cert = loadOrCreateCertificate(dataDir);
  const emulator = new Emulator(state, {
    certificate: cert.cert,
    latencyScale: options.latencyScale ?? 1,
    ...(options.latency ? { latency: options.latency } : {}),
    onChange: () => persister.changed(),
    ...(options.checkAnswers ? { checkAnswers: true } : {}),
  });
  persister.flush();
  const faults = new FaultInjector(options.faults);
  emulator.requestFault = faults.decide;
  emulator.tasks.taskFault = faults.taskFault;
  const rootToken = `PVEAPIToken=root@pam!pvecdk=${state.tokens['root@pam!pvecdk']!.secret}`;
  const sockets = new Set<import('node:stream').Duplex>();
  const server: Server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const serve = (request: EmulatorRequest) => {
      if (request.url.startsWith('/pvecdk-sim/')) {
        const answer = adminEndpoint(request, rootToken, faults);
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
        return;
      }
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
    if ((head.method === 'POST' || head.method === 'PUT') && isMultipart(req.headers['content-type'])) {
      // Streamed and hashed, never buffered: uploads are GBs. pveproxy refuses chunked bodies.
      const te = req.headers['transfer-encoding'];
      if (te) {
        const reason =
          te.toLowerCase() === 'chunked'
            ? 'chunked transfer encoding not supported'
            : `Unknown transfer encoding '${te}'`;
        res.writeHead(501, reason, { connection: 'close' });
        res.end();
        return;
      }
      void readUpload(req).then((upload) => serve({ ...head, body: '', upload }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => serve({ ...head, body: Buffer.concat(chunks).toString('utf8') }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8006, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const tokenId = 'root@pam!pvecdk';
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    tokenId,
    tokenSecret: state.tokens[tokenId]!.secret,
    fingerprint: cert.fingerprint,
    emulator,
    faults,
    close: async () => {
      await emulator.tasks.drain();
      emulator.tasks.stop();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      persister.flush();
      const { mismatches } = emulator.answerChecks;
      if (mismatches.length)
        throw new Error(
          `the emulator sent ${mismatches.length} answer(s) that do not match the schema's returns:\n${mismatches.join('\n')}`,
        );
    },
  };
}

/**
 * The emulator's own endpoint, outside /api2/json so no Proxmox client can
 * hit it by accident: GET/PUT /pvecdk-sim/faults reads or replaces the fault
 * plan. Only the emulator's root token may call it.
 */
function adminEndpoint(
  req: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string },
  rootToken: string,
  faults: FaultInjector,
): { status: number; body: unknown } {
  if (req.headers.authorization !== rootToken)
    return { status: 401, body: { error: 'the emulator root token is required' } };
  if (!req.url.startsWith('/pvecdk-sim/faults'))
    return { status: 404, body: { error: 'unknown emulator endpoint' } };
  if (req.method === 'GET') return { status: 200, body: { data: faults.current, injected: faults.injected } };
  if (req.method !== 'PUT') return { status: 405, body: { error: 'use GET or PUT' } };
  try {
    return { status: 200, body: { data: faults.configure(JSON.parse(req.body || '{}')) } };
  } catch (e) {
    return { status: 400, body: { error: (e as Error).message } };
  }
}
