import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { EmulatorHttpError } from './emulator-error.ts';
import { percentDecode } from './percent-decoding.ts';
import type { EmulatorState } from './state.ts';

/** Who is calling, and how. */
export interface EmulatorAuth {
  readonly userid: string;
  readonly tokenid: string | undefined;
  readonly privsep: boolean;
  readonly viaTicket: boolean;
  readonly csrfOk: boolean;
}

const TICKET_LIFETIME_S = 2 * 3600;
const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

/** Issues and checks tickets and CSRF tokens, signed with a key that lives as long as the server. */
export class TicketAuthority {
  private readonly key = randomBytes(32);

  issue(userid: string, now = Date.now()): { ticket: string; csrf: string } {
    const t = hex8(Math.floor(now / 1000));
    const sig = createHmac('sha256', this.key).update(`PVE:${userid}:${t}`).digest('base64');
    const csrf = `${t}:${createHmac('sha256', this.key).update(`csrf:${userid}:${t}`).digest('base64').slice(0, 43)}`;
    return { ticket: `PVE:${userid}:${t}::${sig}`, csrf };
  }

  /** The user of a valid, unexpired ticket. */
  verify(ticket: string, now = Date.now()): string | undefined {
    const m = /^PVE:([^:]+):([0-9A-F]{8})::(.+)$/.exec(ticket);
    if (!m) return undefined;
    const expected = createHmac('sha256', this.key).update(`PVE:${m[1]}:${m[2]}`).digest('base64');
    if (!safeEqual(expected, m[3]!)) return undefined;
    if (now / 1000 - Number.parseInt(m[2]!, 16) > TICKET_LIFETIME_S) return undefined;
    return m[1];
  }

  csrfValid(userid: string, token: string | undefined): boolean {
    const m = /^([0-9A-F]{8}):(.+)$/.exec(token ?? '');
    if (!m) return false;
    const expected = createHmac('sha256', this.key)
      .update(`csrf:${userid}:${m[1]}`)
      .digest('base64')
      .slice(0, 43);
    return safeEqual(expected, m[2]!);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Authenticates a request as Proxmox does: an API token header
 * (`PVEAPIToken=user@realm!id=secret`, `=` or space after the name) or the
 * `PVEAuthCookie` ticket (cookie or Authorization header). 401 texts match.
 */
export function authenticate(
  headers: IncomingHttpHeaders,
  state: EmulatorState,
  tickets: TicketAuthority,
): EmulatorAuth {
  const authz = headers.authorization ?? '';
  const token = /^PVEAPIToken[= ]([^!\s]+@[^!\s]+)!([^=\s]+)[= ](.+)$/.exec(authz);
  if (token) {
    const tokenid = `${token[1]}!${token[2]}`;
    const entry = state.tokens[tokenid];
    const user = state.users[token[1]!];
    // A token whose secret was not saved (no priv/token.cfg line) has none, and never authenticates.
    if (!entry?.secret || !user?.enable || !safeEqual(entry.secret, token[3]!)) {
      throw new EmulatorHttpError(401, 'Authentication failed!');
    }
    return { userid: token[1]!, tokenid, privsep: entry.privsep === 1, viaTicket: false, csrfOk: true };
  }
  const cookie =
    /(?:^|;\s*)PVEAuthCookie=([^;]+)/.exec(headers.cookie ?? '')?.[1] ??
    /^PVEAuthCookie=(.+)$/.exec(authz)?.[1];
  if (!cookie) throw new EmulatorHttpError(401, 'No ticket');
  const userid = tickets.verify(percentDecode(cookie));
  if (!userid || !state.users[userid]?.enable) throw new EmulatorHttpError(401, 'Authentication failed!');
  const csrf = headers.csrfpreventiontoken;
  return {
    userid,
    tokenid: undefined,
    privsep: false,
    viaTicket: true,
    csrfOk: tickets.csrfValid(userid, Array.isArray(csrf) ? csrf[0] : csrf),
  };
}
