import { requireIpv4, requireName, requirePort } from './validate.ts';
import { buildXml } from './xml.ts';

export interface FourDLinkInput {
  /** The database name the 4D Server publishes. */
  readonly databaseName: string;
  readonly serverAddress: string;
  /** The application server port (19813 by default). */
  readonly port?: number;
}

/** The `.4DLink` file that points a 4D client (ShowGrounds) at one 4D Server. */
export function renderFourDLink(input: FourDLinkInput): string {
  requireName('databaseName', input.databaseName, /^[A-Za-z0-9 _.-]{1,64}$/, 'a 4D database name');
  requireIpv4('serverAddress', input.serverAddress);
  const port = requirePort('port', input.port ?? 19813);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${buildXml({
    database_shortcut: {
      '@_is_remote': 'true',
      '@_server_database_name': input.databaseName,
      '@_server_path': `${input.serverAddress}:${port}`,
    },
  })}\n`;
}
