import { randomBytes } from 'node:crypto';
import { shDialect } from '../../../ssh/dialects.ts';
import type { GuestSession } from '../guest-transport.ts';
import { mergeOwnedEntries } from './config-xml-merge.ts';
import { wholeElementKind } from './pfsense-entry-kinds.ts';
import { PfsenseError } from './pfsense-errors.ts';
import { childText, scanXml } from './xml-scan.ts';

/**
 * Reading and writing a pfSense router's config.xml over a guest session,
 * the way pfSense's own write_config() does it (src/etc/inc/config.lib.inc):
 * the current file is copied to /cf/conf/backup/config-<its revision
 * time>.xml, the new one is written to a temp file beside it and renamed
 * over it (never a half-written config.xml), /tmp/config.cache is removed so
 * the next parse_config() reads the file, and the revision says who changed
 * it. Then pfSense is told to apply it.
 */

export const CONFIG_PATH = '/cf/conf/config.xml';
export const BACKUP_DIR = '/cf/conf/backup';
export const CONFIG_CACHE = '/tmp/config.cache';

/** What pfSense applies after a write. */
export type PfsenseReload = 'all' | 'filter' | 'openvpn';

/** The scripts that apply a changed config.xml, by what changed. */
export const RELOAD_COMMANDS: Readonly<Record<PfsenseReload, string>> = {
  all: '/etc/rc.reload_all',
  filter: '/etc/rc.filter_configure',
  openvpn: '/usr/local/sbin/pfSsh.php playback svc restart openvpn',
};

/** Reads config.xml; PFSENSE_CONFIG_MISSING when the guest has none. */
export async function readConfigXml(session: GuestSession, where: string): Promise<string> {
  const data = await session.download(CONFIG_PATH, { maxBytes: 64 * 1024 * 1024 });
  if (data === undefined) {
    throw new PfsenseError(
      'PFSENSE_CONFIG_MISSING',
      `${where}: ${session.description} has no ${CONFIG_PATH}`,
      'the target must be a pfSense router (its VM cloned from the pfSense template); check the target block',
    );
  }
  return data.toString('utf8');
}

/** The `<revision><time>` of a config.xml, as pfSense names its backup of it (0 when there is none). */
export function revisionTime(configXml: string): string {
  const scanned = scanXml(configXml, 'config.xml');
  const root = scanned.roots[0];
  const revision = root?.children.find((c) => c.name === 'revision');
  const time = revision ? childText(scanned.text, revision, 'time') : undefined;
  return time && /^\d+$/.test(time) ? time : '0';
}

/** config.xml with its `<revision>` saying pvecdk changed it, when and why (as write_config() records it). */
export function withRevision(configXml: string, at: Date, description: string): string {
  const clean = description.replace(/[\r\n]+/g, ' ').replace(/]]>/g, ']] >');
  const revision = [
    '<revision>',
    `  <time>${Math.floor(at.getTime() / 1000)}</time>`,
    `  <description><![CDATA[pvecdk: ${clean}]]></description>`,
    '  <username><![CDATA[pvecdk]]></username>',
    '</revision>',
  ].join('\n');
  return mergeOwnedEntries(configXml, [{ kind: wholeElementKind('revision'), wanted: [revision] }]);
}

export interface WriteConfigOptions {
  /** What the change is, for messages: `platform/Router/Config`. */
  readonly where: string;
  /** The config.xml being replaced, as read: its revision names the backup. */
  readonly current: string;
  /** Values to mask in any error (the secrets filled into `next`). */
  readonly secrets: readonly string[];
}

/**
 * Backs up the current config.xml and puts `next` in its place atomically,
 * then removes the config cache. `next` travels on the command's stdin: the
 * secrets in it appear in no command line. A failure (the disk full, say)
 * removes the temp file and leaves the config.xml as it was. Returns the
 * backup's path.
 */
export async function writeConfigXml(
  session: GuestSession,
  next: string,
  options: WriteConfigOptions,
): Promise<string> {
  const q = (v: string) => shDialect.quote(v);
  const backup = `${BACKUP_DIR}/config-${revisionTime(options.current)}.xml`;
  const temp = `${CONFIG_PATH}.pvecdk-${randomBytes(4).toString('hex')}`;
  const script = [
    `mkdir -p ${q(BACKUP_DIR)}`,
    `cp ${q(CONFIG_PATH)} ${q(backup)}`,
    `if ! cat > ${q(temp)}; then rm -f ${q(temp)}; echo 'pvecdk: writing the new config.xml failed' >&2; exit 1; fi`,
    `mv ${q(temp)} ${q(CONFIG_PATH)}`,
    `rm -f ${q(CONFIG_CACHE)}`,
  ].join('\n');
  const result = await session.exec(shDialect.command(script), {
    label: 'back up and write pfSense config.xml',
    stdin: next,
    secrets: options.secrets,
    allowFailure: true,
  });
  if (result.code !== 0) {
    throw new PfsenseError(
      'PFSENSE_WRITE_FAILED',
      `${options.where}: writing ${CONFIG_PATH} on ${session.description} failed (exit ${result.code ?? result.signal}): ${tail(result.stderr, options.secrets)}`,
      'nothing was replaced; make room on the router (df -h /cf) or fix what the error names, then deploy again',
    );
  }
  return backup;
}

/** Runs the reload script for `reload`; PFSENSE_RELOAD_FAILED with its output's tail when it fails. */
export async function reloadPfsense(
  session: GuestSession,
  reload: PfsenseReload,
  options: { readonly where: string; readonly secrets: readonly string[] },
): Promise<void> {
  const command = RELOAD_COMMANDS[reload];
  const result = await session.exec(shDialect.command(command), {
    label: `reload pfSense (${reload})`,
    secrets: options.secrets,
    allowFailure: true,
  });
  if (result.code !== 0) {
    throw new PfsenseError(
      'PFSENSE_RELOAD_FAILED',
      `${options.where}: ${command} failed on ${session.description} (exit ${result.code ?? result.signal}): ${tail(`${result.stdout}\n${result.stderr}`, options.secrets)}`,
      "see the router's system log (Status > System Logs); pfSense keeps the previous config.xml in /cf/conf/backup/",
    );
  }
}

/** The last lines of a command's output, secrets masked. */
function tail(output: string, secrets: readonly string[]): string {
  let text = output;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s) text = text.split(s).join('***');
  const lines = text.trim().split('\n').filter(Boolean).slice(-5);
  return lines.length ? lines.join(' | ') : '(no output)';
}
