import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { SecretError } from './secret-errors.ts';

/**
 * age encryption (the `age-encryption` package) called synchronously.
 *
 * The package answers with promises (it uses WebCrypto's X25519), while the
 * secret store is synchronous: handlers resolve secrets in the middle of
 * building a request, and the store merges under a synchronous file mutex.
 * So the package runs in one worker thread, and a call here posts a request
 * and blocks on a shared flag until the worker has answered. The worker is
 * started on first use and unreferenced, so it never keeps a process alive.
 */

type Request =
  | { readonly op: 'identity' }
  | { readonly op: 'recipient'; readonly identity: string }
  | { readonly op: 'check'; readonly recipients: readonly string[]; readonly identities: readonly string[] }
  | { readonly op: 'encrypt'; readonly recipients: readonly string[]; readonly texts: readonly string[] }
  | { readonly op: 'decrypt'; readonly identities: readonly string[]; readonly files: readonly Uint8Array[] };

/** One decryption's outcome: the text, or the package's reason (never holding a secret). */
export type Decrypted = { readonly text: string } | { readonly error: string };

// Plain JavaScript, evaluated in the worker: it must not need the TypeScript loader.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, flag, ageUrl } = workerData;
const loading = import(ageUrl);
async function answer(age, req) {
  if (req.op === 'identity') {
    const identity = await age.generateX25519Identity();
    return { identity, recipient: await age.identityToRecipient(identity) };
  }
  if (req.op === 'recipient') return await age.identityToRecipient(req.identity);
  if (req.op === 'check') {
    const problem = (add) => { try { add(); return null; } catch (e) { return String((e && e.message) || e); } };
    return {
      recipients: req.recipients.map((r) => problem(() => new age.Encrypter().addRecipient(r))),
      identities: req.identities.map((i) => problem(() => new age.Decrypter().addIdentity(i))),
    };
  }
  if (req.op === 'encrypt') {
    const e = new age.Encrypter();
    for (const r of req.recipients) e.addRecipient(r);
    const out = [];
    for (const t of req.texts) out.push(await e.encrypt(t));
    return out;
  }
  const d = new age.Decrypter();
  for (const i of req.identities) d.addIdentity(i);
  const out = [];
  for (const f of req.files) {
    try { out.push({ text: await d.decrypt(f, 'text') }); }
    catch (e) { out.push({ error: String((e && e.message) || e) }); }
  }
  return out;
}
port.on('message', async (req) => {
  let reply;
  try { reply = { ok: await answer(await loading, req) }; }
  catch (e) { reply = { failed: String((e && e.message) || e) }; }
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

/** Long enough for a cold start of the worker on a loaded machine; a bound, not a pace. */
const ANSWER_WAIT_MS = 60_000;

let bridge: { port: MessagePort; flag: Int32Array } | undefined;

function start(): { port: MessagePort; flag: Int32Array } {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  // Resolved here, where the package is a dependency: the evaluated worker has no module of its own.
  const ageUrl = pathToFileURL(createRequire(import.meta.url).resolve('age-encryption')).href;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { port: port2, flag, ageUrl },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  return { port: port1, flag };
}

function call<T>(req: Request): T {
  bridge ??= start();
  const { port, flag } = bridge;
  Atomics.store(flag, 0, 0);
  port.postMessage(req);
  Atomics.wait(flag, 0, 0, ANSWER_WAIT_MS);
  const reply = receiveMessageOnPort(port)?.message as { ok: T } | { failed: string } | undefined;
  if (reply === undefined) {
    bridge = undefined;
    throw new SecretError(
      'SECRET_AGE_INTERNAL',
      `age encryption did not answer within ${ANSWER_WAIT_MS / 1000} s`,
      'this is a bug in pvecdk; please report it with the output of --debug',
    );
  }
  if ('failed' in reply)
    throw new SecretError(
      'SECRET_AGE_INTERNAL',
      `age encryption failed: ${reply.failed}`,
      'this is a bug in pvecdk; please report it with the output of --debug',
    );
  return reply.ok;
}

/** A new X25519 identity (`AGE-SECRET-KEY-1…`) and its recipient (`age1…`). */
export function newAgeIdentity(): { identity: string; recipient: string } {
  return call({ op: 'identity' });
}

/** The recipient (`age1…`) of an identity the caller has checked (see age-identity.ts). */
export function recipientOfIdentity(identity: string): string {
  return call({ op: 'recipient', identity });
}

/**
 * Why each recipient (`age1…`) and each identity (`AGE-SECRET-KEY-1…`) is
 * not one, as the package parses them; null where it is. The package is
 * loaded only here, in the worker: a process that never meets a recipient
 * never loads it.
 */
export function checkAgeStrings(
  recipients: readonly string[],
  identities: readonly string[] = [],
): { recipients: (string | null)[]; identities: (string | null)[] } {
  if (recipients.length === 0 && identities.length === 0) return { recipients: [], identities: [] };
  return call({ op: 'check', recipients, identities });
}

/** Each text encrypted to every recipient (binary age files; each with a fresh file key). */
export function encryptTexts(texts: readonly string[], recipients: readonly string[]): Uint8Array[] {
  if (texts.length === 0) return [];
  return call<Uint8Array[]>({ op: 'encrypt', recipients, texts });
}

/** Each file decrypted with the first identity that opens it, or why none did. */
export function decryptFiles(files: readonly Uint8Array[], identities: readonly string[]): Decrypted[] {
  if (files.length === 0) return [];
  return call<Decrypted[]>({ op: 'decrypt', identities, files });
}
