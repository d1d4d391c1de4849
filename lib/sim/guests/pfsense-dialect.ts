import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { GuestFs } from './guest-fs.ts';
import type { SimGuest } from './guest-state.ts';
import { syncPfsenseAuthorizedKeys } from './pfsense-accounts.ts';
import type { GuestProgram, Proc } from './sh-dialect.ts';

/**
 * pfSense inside the emulated guest: FreeBSD's sh plus the scripts that
 * apply a changed /cf/conf/config.xml. As pfSense's parse_config() does,
 * a reload uses /tmp/config.cache when it exists (so a writer must remove
 * it), else parses config.xml; a config that is not XML or has no
 * `<pfsense>` root is refused, the last backup from /cf/conf/backup is put
 * back (pfSense's restore of the last known good config) and the error
 * logged. What each reload applied is recorded in `guest.pfsense.reloads`.
 */

export const PFSENSE_CONFIG = '/cf/conf/config.xml';
export const PFSENSE_CACHE = '/tmp/config.cache';
const BACKUP_DIR = '/cf/conf/backup';
const SYSTEM_LOG = '/var/log/system.log';

export interface ConfigCheck {
  readonly ok: boolean;
  readonly error?: string;
  /** Things pfSense would accept in config.xml but its services would trip over. */
  readonly warnings: string[];
}

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false });

/** Whether pfSense would load this config.xml text, with the XML error as its log line says it. */
export function checkPfsenseConfig(text: string): ConfigCheck {
  if (text.trim() === '')
    return { ok: false, error: `XML error: no pfsense object found! in ${PFSENSE_CONFIG}`, warnings: [] };
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    return {
      ok: false,
      error: `XML error: ${valid.err.msg} at line ${valid.err.line} in ${PFSENSE_CONFIG}`,
      warnings: [],
    };
  }
  const tree = parser.parse(text) as Record<string, unknown>;
  const root = tree.pfsense;
  if (root === undefined || typeof root !== 'object' || root === null)
    return { ok: false, error: `XML error: no pfsense object found! in ${PFSENSE_CONFIG}`, warnings: [] };
  return { ok: true, warnings: configWarnings(root as Record<string, unknown>, text) };
}

const list = (v: unknown): Array<Record<string, unknown>> =>
  v === undefined || v === ''
    ? []
    : (Array.isArray(v) ? v : [v]).filter(
        (x): x is Record<string, unknown> => typeof x === 'object' && x !== null,
      );

function configWarnings(root: Record<string, unknown>, text: string): string[] {
  const warnings: string[] = [];
  if (/\{\{secret:[^}]+\}\}/.test(text)) warnings.push('config.xml holds unfilled {{secret:...}} markers');
  const refids = new Set([...list(root.ca), ...list(root.cert)].map((c) => String(c.refid ?? '')));
  const openvpn = (root.openvpn ?? {}) as Record<string, unknown>;
  for (const server of list(openvpn['openvpn-server'])) {
    for (const ref of ['caref', 'certref'] as const) {
      const id = String(server[ref] ?? '');
      if (id && !refids.has(id))
        warnings.push(`openvpn server ${String(server.vpnid)}: ${ref} ${id} not found`);
    }
  }
  const trackers = new Set<string>();
  const filter = (root.filter ?? {}) as Record<string, unknown>;
  for (const rule of list(filter.rule)) {
    const t = String(rule.tracker ?? '');
    if (t && trackers.has(t)) warnings.push(`filter rule tracker ${t} is used twice`);
    trackers.add(t);
  }
  return warnings;
}

function log(fs: GuestFs, line: string): void {
  const stamp = new Date().toISOString().replace('T', ' ').slice(0, 19);
  fs.writeFile(SYSTEM_LOG, `${stamp} pfSense php-fpm: ${line}\n`, { append: true });
}

function latestBackup(fs: GuestFs): string | undefined {
  try {
    const names = fs.readdir(BACKUP_DIR).filter((n) => /^config-\d+\.xml$/.test(n));
    names.sort((a, b) => Number(/\d+/.exec(b)![0]) - Number(/\d+/.exec(a)![0]));
    return names[0] ? `${BACKUP_DIR}/${names[0]}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * parse_config(): the cached config when /tmp/config.cache exists, else
 * config.xml parsed (and cached); a broken config.xml is replaced by the
 * last backup. Returns the text applied or the error.
 */
export function loadPfsenseConfig(
  fs: GuestFs,
):
  | { ok: true; text: string; fromCache: boolean; warnings: string[] }
  | { ok: false; error: string; restored?: string } {
  if (fs.exists(PFSENSE_CACHE)) {
    const text = fs.readText(PFSENSE_CACHE);
    return { ok: true, text, fromCache: true, warnings: checkPfsenseConfig(text).warnings };
  }
  let text: string;
  try {
    text = fs.readText(PFSENSE_CONFIG);
  } catch {
    text = '';
  }
  const check = checkPfsenseConfig(text);
  if (!check.ok) {
    log(fs, check.error!);
    const backup = latestBackup(fs);
    if (backup) {
      log(fs, `Restoring last known good config from ${backup}`);
      fs.writeFile(PFSENSE_CONFIG, fs.readFile(backup));
      return { ok: false, error: check.error!, restored: backup };
    }
    return { ok: false, error: check.error! };
  }
  fs.writeFile(PFSENSE_CACHE, text, { mode: 0o600 });
  return { ok: true, text, fromCache: false, warnings: check.warnings };
}

/** Runs a reload as the script at `command` would; records it; returns the exit status. */
function reload(guest: SimGuest, fs: GuestFs, command: string, what: string, p: Proc): number {
  const loaded = loadPfsenseConfig(fs);
  guest.pfsense ??= { reloads: [] };
  const runtime = guest.pfsense;
  if (!loaded.ok) {
    p.io.err.write(`${loaded.error}\n`);
    if (loaded.restored) p.io.err.write(`Restoring last known good config from ${loaded.restored}\n`);
    runtime.reloads.push({ command, what, at: Date.now(), ok: false, detail: loaded.error });
    return 1;
  }
  for (const w of loaded.warnings) log(fs, w);
  runtime.reloads.push({
    command,
    what,
    at: Date.now(),
    ok: true,
    configSha256: createHash('sha256').update(loaded.text).digest('hex'),
    fromCache: loaded.fromCache,
    ...(loaded.warnings.length ? { detail: loaded.warnings.join('; ') } : {}),
  });
  return 0;
}

const SERVICES = new Set([
  'openvpn',
  'wireguard',
  'sshd',
  'unbound',
  'dpinger',
  'ntpd',
  'syslogd',
  'dhcpd',
  'filter',
]);

/** The pfSense programs by path, for the sh dialect. */
export function pfsensePrograms(guest: () => SimGuest): Record<string, GuestProgram> {
  const script =
    (path: string, what: string): GuestProgram =>
    async (p) =>
      reload(guest(), p.shell.guest.fs, path, what, p);
  return {
    '/etc/rc.reload_all': script('/etc/rc.reload_all', 'all'),
    '/etc/rc.filter_configure': script('/etc/rc.filter_configure', 'filter'),
    '/etc/rc.filter_configure_sync': script('/etc/rc.filter_configure_sync', 'filter'),
    '/etc/rc.openvpn': script('/etc/rc.openvpn', 'openvpn'),
    '/usr/local/sbin/pfSsh.php': async (p, args) => {
      // pfSsh.php playback svc <start|stop|restart|status> <service> [...]
      if (args[0] !== 'playback') {
        p.io.err.write('pfSsh.php: only "playback" is supported by the pvecdk guest emulator\n');
        return 1;
      }
      if (args[1] !== 'svc') {
        p.io.err.write(`Could not locate playback file ${args[1] ?? ''}\n`);
        return 1;
      }
      const [action, service] = [args[2], args[3]];
      if (!action || !['start', 'stop', 'restart', 'status'].includes(action) || !service) {
        p.io.err.write('Usage: pfSsh.php playback svc <action> <service name> [service-specific options]\n');
        return 1;
      }
      if (!SERVICES.has(service)) {
        p.io.err.write(`Could not find service ${service}\n`);
        return 1;
      }
      if (action === 'status') {
        p.io.out.write(`Service ${service} is running.\n`);
        return 0;
      }
      if (action === 'stop') return 0;
      return reload(guest(), p.shell.guest.fs, `pfSsh.php playback svc ${action} ${service}`, service, p);
    },
  };
}

/** What pfSense does at boot for the emulator: /tmp is cleared, then the config is loaded (and cached). */
export function bootPfsense(guest: SimGuest, fs: GuestFs): void {
  for (const name of fs.readdir('/tmp')) {
    const path = `/tmp/${name}`;
    if (fs.stat(path, { followLast: false }).type === 'dir') fs.rmdir(path, { recursive: true });
    else fs.unlink(path);
  }
  let loaded = loadPfsenseConfig(fs);
  // A broken config.xml was replaced by the last backup: boot goes on with that.
  if (!loaded.ok && loaded.restored) loaded = loadPfsenseConfig(fs);
  // local_sync_accounts(): every user's authorized_keys as config.xml has them.
  if (loaded.ok) syncPfsenseAuthorizedKeys(guest, fs, loaded.text);
  guest.pfsense ??= { reloads: [] };
  const runtime = guest.pfsense;
  runtime.reloads.push(
    loaded.ok
      ? {
          command: 'boot',
          what: 'all',
          at: Date.now(),
          ok: true,
          configSha256: createHash('sha256').update(loaded.text).digest('hex'),
          fromCache: false,
        }
      : { command: 'boot', what: 'all', at: Date.now(), ok: false, detail: loaded.error },
  );
}
