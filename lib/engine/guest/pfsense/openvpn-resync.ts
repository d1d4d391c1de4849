import { shDialect } from '../../../ssh/dialects.ts';
import type { GuestSession } from '../guest-transport.ts';
import { PfsenseError } from './pfsense-errors.ts';

/**
 * Has pfSense rewrite every OpenVPN server's files (the CRL into its capath)
 * and client overrides and restart them (openvpn.inc: openvpn_resync_all),
 * after deleting a removed user's override file, which a resync leaves.
 * Restarting the service (`svc restart openvpn`) is not enough here: it
 * rewrites the server's configuration but no override file (only
 * openvpn_resync_csc does), so a user's fixed address would not apply.
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
