import { PveError } from './errors.ts';
import type { PveMethod, PveParams } from './params.ts';

/** An API token: `tokenId` is `user@realm!name`, `tokenSecret` the UUID Proxmox showed once. */
export interface PveToken {
  readonly tokenId: string;
  readonly tokenSecret: string;
}

export type PveCredentials =
  | PveToken
  /** Several tokens of one remote (e.g. one per privilege set): `use` picks one by id, else the first. */
  | { readonly tokens: readonly PveToken[]; readonly use?: string }
  | { readonly username: string; readonly password: string };

type ResolvedAuth =
  | { readonly kind: 'token'; readonly token: PveToken }
  | { readonly kind: 'ticket'; readonly username: string; readonly password: string };

function resolveAuth(credentials: PveCredentials): ResolvedAuth {
  if ('username' in credentials) return { kind: 'ticket', ...credentials };
  if ('tokenId' in credentials) return { kind: 'token', token: credentials };
  const token = credentials.use
    ? credentials.tokens.find((t) => t.tokenId === credentials.use)
    : credentials.tokens[0];
  if (!token) {
    const known = credentials.tokens.map((t) => t.tokenId).join(', ') || 'none';
    throw new PveError(
      'PVE_AUTH',
      `no API token${credentials.use ? ` '${credentials.use}'` : ''} among the remote's tokens (${known})`,
      {
        hint: 'list the token under the remote in cdk.json, or pick one of those configured',
      },
    );
  }
  return { kind: 'token', token };
}

const TICKET_RENEW_MS = 90 * 60 * 1000; // tickets live 2 h; renew well before.

interface Ticket {
  readonly ticket: string;
  readonly csrf: string;
  readonly at: number;
}

/** Posts the login to `/access/ticket` (once, on whichever host answers) and returns the answer's `data`. */
export type TicketLogin = (login: PveParams) => Promise<unknown>;

/**
 * How a client proves who it is: an API token header, or a ticket cookie
 * (plus the CSRF token for writes) from a login that is shared by the calls
 * waiting for it and renewed before the ticket runs out.
 */
export class PveAuth {
  readonly #auth: ResolvedAuth;
  readonly #postLogin: TicketLogin;
  #ticket: Ticket | undefined;
  #login: Promise<Ticket> | undefined;

  constructor(credentials: PveCredentials, postLogin: TicketLogin) {
    this.#auth = resolveAuth(credentials);
    this.#postLogin = postLogin;
  }

  /** Who this client acts as, without any secret. */
  get identity(): string {
    return this.#auth.kind === 'token' ? this.#auth.token.tokenId : this.#auth.username;
  }

  /** True for a username and password, whose ticket a 401 may call to renew. */
  get usesTicket(): boolean {
    return this.#auth.kind === 'ticket';
  }

  /** Drops the ticket, so that the next call logs in again. */
  forgetTicket(): void {
    this.#ticket = undefined;
  }

  /** The token header, or the ticket cookie plus the CSRF token for writes. */
  async headers(method: PveMethod, path: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    if (this.#auth.kind === 'token') {
      headers.authorization = `PVEAPIToken=${this.#auth.token.tokenId}=${this.#auth.token.tokenSecret}`;
    } else if (path !== '/access/ticket') {
      const ticket = await this.#currentTicket();
      headers.cookie = `PVEAuthCookie=${ticket.ticket}`;
      if (method !== 'GET') headers.csrfpreventiontoken = ticket.csrf;
    }
    return headers;
  }

  async #currentTicket(): Promise<Ticket> {
    if (this.#ticket && Date.now() - this.#ticket.at < TICKET_RENEW_MS) return this.#ticket;
    this.#login ??= this.#doLogin().finally(() => {
      this.#login = undefined;
    });
    return this.#login;
  }

  async #doLogin(): Promise<Ticket> {
    const creds = this.#auth as { username: string; password: string };
    const login = { username: creds.username, password: creds.password };
    const data = (await this.#postLogin(login)) as {
      ticket?: unknown;
      CSRFPreventionToken?: unknown;
    };
    if (typeof data?.ticket !== 'string' || typeof data.CSRFPreventionToken !== 'string') {
      throw new PveError('PVE_BAD_RESPONSE', 'the ticket answer has no ticket or CSRFPreventionToken', {
        method: 'POST',
        path: '/access/ticket',
      });
    }
    this.#ticket = { ticket: data.ticket, csrf: data.CSRFPreventionToken, at: Date.now() };
    return this.#ticket;
  }
}
