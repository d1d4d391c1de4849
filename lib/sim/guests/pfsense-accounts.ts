import { XMLParser } from 'fast-xml-parser';
import type { GuestFs } from './guest-fs.ts';
import type { SimGuest } from './guest-state.ts';

/**
 * Who may log in to an emulated pfSense over SSH: as on pfSense, the keys
 * of a user are the base64 `<authorizedkeys>` of its `<system><user>` in
 * config.xml, and at boot pfSense writes each user's `~/.ssh/authorized_keys`
 * from there (local_sync_accounts → local_user_set: the file is replaced,
 * or removed when the user has no keys). `admin` is uid 0 with home /root,
 * so root reads the same file. Users of config.xml that the guest has no
 * account for are not created here (pvecdk logs in as admin).
 */

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false });

const asList = (v: unknown): Array<Record<string, unknown>> =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
    (x): x is Record<string, unknown> => typeof x === 'object' && x !== null,
  );

/** The authorized keys config.xml gives each user (decoded), by user name. */
export function pfsenseUserKeys(configText: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  const root = (parser.parse(configText) as { pfsense?: { system?: { user?: unknown } } }).pfsense;
  for (const user of asList(root?.system?.user)) {
    const name = String(user.name ?? '');
    if (!name) continue;
    const encoded = String(user.authorizedkeys ?? '').trim();
    const text = encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '';
    keys.set(
      name,
      text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
  }
  return keys;
}

/** At boot: each known user's authorized_keys written from the loaded config.xml. */
export function syncPfsenseAuthorizedKeys(guest: SimGuest, fs: GuestFs, configText: string): void {
  for (const [name, keys] of pfsenseUserKeys(configText)) {
    const account = guest.accounts[name];
    if (!account) continue;
    const dir = `${account.home}/.ssh`;
    const file = `${dir}/authorized_keys`;
    if (!keys.length) {
      if (fs.exists(file)) fs.unlink(file);
      continue;
    }
    fs.mkdir(dir, { recursive: true, mode: 0o700 });
    fs.writeFile(file, `${keys.join('\n')}\n`, { mode: 0o600 });
    fs.chown(dir, account.uid, account.gid);
    fs.chown(file, account.uid, account.gid);
  }
}

/**
 * config.xml with `keys` added to `user`'s `<authorizedkeys>` (those it
 * lacks), as pfSense's user editor stores them: base64 of the lines. The
 * emulator's stand-in for a template whose config.xml carries the keys.
 */
export function withPfsenseUserKeys(configText: string, user: string, keys: readonly string[]): string {
  const existing = pfsenseUserKeys(configText).get(user);
  if (existing === undefined) return configText;
  const merged = [...existing, ...keys.filter((k) => !existing.includes(k))];
  if (merged.length === existing.length) return configText;
  const encoded = Buffer.from(merged.join('\r\n')).toString('base64');
  const block = new RegExp(
    `(<user>(?:(?!</user>)[\\s\\S])*?<name>${escapeRegExp(user)}</name>[\\s\\S]*?)(</user>)`,
  );
  return configText.replace(block, (_all, body: string, end: string) => {
    if (/<authorizedkeys>[^<]*<\/authorizedkeys>/.test(body))
      return `${body.replace(/<authorizedkeys>[^<]*<\/authorizedkeys>/, `<authorizedkeys>${encoded}</authorizedkeys>`)}${end}`;
    const indent = /\n([ \t]*)<name>/.exec(body)?.[1] ?? '      ';
    const closing = /\n([ \t]*)$/.exec(body)?.[1] ?? '    ';
    return `${body.replace(/\s*$/, '')}\n${indent}<authorizedkeys>${encoded}</authorizedkeys>\n${closing}${end}`;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
