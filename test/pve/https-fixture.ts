import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export interface FixtureCert {
  readonly key: string;
  readonly cert: string;
  readonly fingerprint: string;
}

/** A self-signed certificate for 127.0.0.1 (valid from a minute ago for a day unless told), made once per test file. */
export function makeCert(
  commonName = '127.0.0.1',
  validity: { readonly notBefore: Date; readonly notAfter: Date } = {
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
  },
): FixtureCert {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = validity.notBefore;
  cert.validity.notAfter = validity.notAfter;
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  return { key: privateKey, cert: pem, fingerprint: new X509Certificate(pem).fingerprint256 };
}

export interface Reply {
  readonly status?: number;
  readonly statusText?: string;
  readonly json?: unknown;
  /** Close the connection without answering. */
  readonly reset?: boolean;
  readonly delayMs?: number;
}

export interface Seen {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
}

export interface Fixture {
  readonly url: string;
  readonly seen: Seen[];
  maxInFlight: number;
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 answering through `handler`, recording every request. */
export async function startFixture(cert: FixtureCert, handler: (req: Seen) => Reply): Promise<Fixture> {
  const seen: Seen[] = [];
  let inFlight = 0;
  const fixture = { seen, maxInFlight: 0 } as Fixture & { maxInFlight: number };
  const server: Server = createServer(
    { key: cert.key, cert: cert.cert },
    (req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (c: Buffer) => {
        raw += c;
      });
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'https://x');
        const entry: Seen = {
          method: req.method ?? 'GET',
          path: url.pathname.replace(/^\/api2\/json/, ''),
          query: url.searchParams,
          body: new URLSearchParams(raw),
          headers: req.headers,
        };
        seen.push(entry);
        const reply = handler(entry);
        inFlight += 1;
        fixture.maxInFlight = Math.max(fixture.maxInFlight, inFlight);
        setTimeout(() => {
          inFlight -= 1;
          if (reply.reset) {
            req.socket.destroy();
            return;
          }
          const body = reply.json === undefined ? '' : JSON.stringify(reply.json);
          res.writeHead(reply.status ?? 200, reply.statusText ?? 'OK', {
            'content-type': 'application/json;charset=UTF-8',
          });
          res.end(body);
        }, reply.delayMs ?? 0);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fixture, {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A port on 127.0.0.1 with nothing listening. */
export async function closedPort(): Promise<string> {
  const { createServer: createTcp } = await import('node:net');
  const s = createTcp();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `https://127.0.0.1:${port}`;
}
