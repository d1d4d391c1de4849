import { randomBytes } from 'node:crypto';
import { shDialect } from '../../../ssh/dialects.ts';
import type { GuestSession } from '../guest-transport.ts';
import { PfsenseError } from './pfsense-errors.ts';

/**
 * Reading, writing and re-applying the router's config.xml for the VPN user
 * handler: the file is backed up, written to a temp file beside it and
 * renamed over it (never half-written), and pfSense's config cache removed,
 * as pfSense's write_config() does. The pfSense config handler's branch
 * brings a fuller module for the same (config-xml-io.ts); this one is meant
 * to give way to it when both are merged.
 */

export const CONFIG_PATH = '/cf/conf/config.xml';

export async function readRouterConfig(session: GuestSession, where: string): Promise<string> {
  const data = await session.download(CONFIG_PATH, { maxBytes: 64 * 1024 * 1024 });
  if (data === undefined)
    throw new PfsenseError(
      'PFSENSE_CONFIG_MISSING',
      `${where}: ${session.description} has no ${CONFIG_PATH}`,
      'the target must be the pfSense router (its VM cloned from the pfSense template); check the target block',
    );
  return data.toString('utf8');
}

export async function writeRouterConfig(session: GuestSession, next: string, where: string): Promise<void> {
  const q = (v: string) => shDialect.quote(v);
  const temp = `${CONFIG_PATH}.pvecdk-${randomBytes(4).toString('hex')}`;
  const script = [
    'mkdir -p /cf/conf/backup',
    `cp ${q(CONFIG_PATH)} /cf/conf/backup/config-pvecdk-$(date +%s).xml`,
    `if ! cat > ${q(temp)}; then rm -f ${q(temp)}; echo 'pvecdk: writing the new config.xml failed' >&2; exit 1; fi`,
    `mv ${q(temp)} ${q(CONFIG_PATH)}`,
    'rm -f /tmp/config.cache',
  ].join('\n');
  const result = await session.exec(shDialect.command(script), {
    label: 'back up and write pfSense config.xml',
    stdin: next,
    allowFailure: true,
  });
  if (result.code !== 0)
    throw new PfsenseError(
      'PFSENSE_WRITE_FAILED',
      `${where}: writing ${CONFIG_PATH} on ${session.description} failed (exit ${result.code ?? result.signal}): ${result.stderr.trim().split('\n').slice(-3).join(' ')}`,
      'nothing was replaced; make room on the router (df -h /cf) or fix what the error names, then deploy again',
    );
}

/**
 * Has pfSense rewrite every OpenVPN server's files (the CRL into its capath)
 * and client overrides and restart them (openvpn.inc: openvpn_resync_all),
 * after deleting a removed user's override file, which a resync leaves.
 */
export async function resyncOpenVpn(
  session: GuestSession,
  where: string,
  removedCommonName?: string,
): Promise<void> {
  const php = [
    '<?php',
    'require_once("config.inc");',
    'require_once("openvpn.inc");',
    ...(removedCommonName
      ? [
          `openvpn_delete_csc(array("common_name" => ${JSON.stringify(removedCommonName)}, "server_list" => ""));`,
        ]
      : []),
    'openvpn_resync_all("", "", true);',
    '',
  ].join('\n');
  const result = await session.exec(shDialect.command('/usr/local/bin/php -q'), {
    label: 'apply the OpenVPN settings on pfSense',
    stdin: php,
    allowFailure: true,
  });
  if (result.code !== 0)
    throw new PfsenseError(
      'PFSENSE_RELOAD_FAILED',
      `${where}: pfSense did not apply the OpenVPN settings on ${session.description} (exit ${result.code ?? result.signal}): ${result.stderr.trim().split('\n').slice(-3).join(' ')}`,
      'the router is rolled back to the snapshot taken before the change; see its system log (Status > System Logs > OpenVPN)',
    );
}
