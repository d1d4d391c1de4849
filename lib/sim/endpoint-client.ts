import { request } from 'node:http';
import { connect, type TLSSocket } from 'node:tls';

/** Where a running emulator answers, as its data dir publishes it (see data-dir-owner.ts). */
export interface EmulatorEndpoint {
  readonly url: string;
  readonly port: number;
  /** SHA-256 of its certificate, `AB:CD:...`: every call pins it. */
  readonly fingerprint: string;
  readonly tokenId: string;
  /** The file in the data dir (mode 0600) that holds the token's secret; the endpoint record never does. */
  readonly tokenSecretFile: string;
}

export interface EndpointAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * One HTTPS call to an emulator on loopback, with its certificate pinned: the
 * fingerprint is compared before a byte of the request (and its token) is
 * sent. Resolves undefined when nothing (or something else) answers in time.
 */
export function callEmulator(
  endpoint: Pick<EmulatorEndpoint, 'url' | 'fingerprint' | 'tokenId'>,
  tokenSecret: string,
  call: { method: string; path: string; body?: string; timeoutMs: number },
): Promise<EndpointAnswer | undefined> {
  return new Promise((resolve) => {
    const { hostname, port } = new URL(endpoint.url);
    let settled = false;
    let socket: TLSSocket | undefined;
    const done = (answer: EndpointAnswer | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), call.timeoutMs);
    socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false });
    socket.once('error', () => done(undefined));
    socket.once('secureConnect', () => {
      if (socket!.getPeerCertificate().fingerprint256 !== endpoint.fingerprint) return done(undefined);
      const req = request(
        {
          method: call.method,
          path: call.path,
          headers: {
            authorization: `PVEAPIToken=${endpoint.tokenId}=${tokenSecret}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(call.body ?? ''),
            connection: 'close',
          },
          createConnection: () => socket!,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', () => done(undefined));
        },
      );
      req.on('error', () => done(undefined));
      req.end(call.body ?? '');
    });
  });
}

/** Whether the emulator at `endpoint` answers an authenticated `GET /version` with the pinned certificate. */
export async function emulatorAnswers(
  endpoint: EmulatorEndpoint,
  tokenSecret: string,
  timeoutMs = 2_000,
): Promise<boolean> {
  const answer = await callEmulator(endpoint, tokenSecret, {
    method: 'GET',
    path: '/api2/json/version',
    timeoutMs,
  });
  return answer?.status === 200;
}
