/**
 * The OpenVPN server configuration and client-specific override files that
 * pfSense writes from config.xml's `<openvpn-server>` and `<openvpn-csc>`
 * (its src/etc/inc/openvpn.inc: openvpn_reconfigure and
 * openvpn_resync_csc), for the settings pvecdk renders, on Linux paths. A
 * test double of the router's side, so a real `openvpn` can check what the
 * platform declares. FreeBSD-only lines (dev-node, the management socket, the
 * tls-verify script that, as pfSense's own comment says, checks nothing but
 * the depth) are left out.
 */

/** The text of `<tag>` directly in `xml`; undefined when absent, '' when empty (`<tag/>`). */
export function elementText(xml: string, tag: string): string | undefined {
  if (new RegExp(`<${tag}\\s*/>`).test(xml)) return '';
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m?.[1]?.trim();
}

/** Every `<tag>...</tag>` block in `xml`. */
export function elements(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>[\\s\\S]*?</${tag}>`, 'g'))].map((m) => m[0]);
}

function required(xml: string, tag: string): string {
  const v = elementText(xml, tag);
  if (v === undefined) throw new Error(`<openvpn-server> has no <${tag}>`);
  return v;
}

export function maskOf(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join('.');
}

function cidr(value: string): { ip: string; mask: string; prefix: number } {
  const [ip, p] = value.split('/');
  return { ip: ip!, mask: maskOf(Number(p)), prefix: Number(p) };
}

export interface ServerFiles {
  /** The WAN address pfSense binds with `local` (protocol UDP4 on interface wan). */
  readonly wanAddress: string;
  readonly device: string;
  /** Folder with `<hash>.0` (the CA) and `<hash>.r0` (its CRL), as ca_setup_capath writes it. */
  readonly capath: string;
  readonly cert: string;
  readonly key: string;
  readonly tlsKey: string;
  readonly cscDir: string;
}

/** The server's configuration file, in the order openvpn_reconfigure writes it. */
export function serverConf(server: string, files: ServerFiles): string {
  const mode = required(server, 'mode');
  if (mode !== 'server_tls') throw new Error(`mode ${mode}: only server_tls is modelled`);
  const tunnel = cidr(required(server, 'tunnel_network'));
  const lines = [
    `dev ${files.device}`,
    `dev-type ${required(server, 'dev_mode')}`,
    `auth ${required(server, 'digest')}`,
    `proto ${required(server, 'protocol').toLowerCase()}`,
    'keepalive 10 60',
    'ping-timer-rem',
    'persist-tun',
    'persist-key',
    `local ${files.wanAddress}`,
    'tls-server',
    `server ${tunnel.ip} ${tunnel.mask}`,
    `client-config-dir ${files.cscDir}`,
    `lport ${required(server, 'local_port')}`,
  ];
  // gwredir absent: the local networks are pushed as routes.
  for (const net of (elementText(server, 'local_network') ?? '').split(',').filter(Boolean)) {
    const n = cidr(net);
    lines.push(`push "route ${n.ip} ${n.mask}"`);
  }
  lines.push(`capath ${files.capath}`, `cert ${files.cert}`, `key ${files.key}`);
  const dh = required(server, 'dh_length');
  lines.push(`dh ${dh}`);
  const curve = elementText(server, 'ecdh_curve');
  if (curve && curve !== 'none') lines.push(`ecdh-curve ${curve}`);
  if (elementText(server, 'tls')) {
    if (elementText(server, 'tls_type') !== 'crypt') throw new Error('only tls_type crypt is modelled');
    lines.push(`tls-crypt ${files.tlsKey}`);
  }
  const fallback = required(server, 'data_ciphers_fallback');
  const ciphers = required(server, 'data_ciphers').split(',');
  // openvpn_build_data_cipher_list: the fallback joins the list when missing from it.
  if (!ciphers.includes(fallback)) ciphers.push(fallback);
  lines.push(`data-ciphers ${ciphers.join(':')}`, `data-ciphers-fallback ${fallback}`);
  if (tunnel.prefix < 30) lines.push(`topology ${elementText(server, 'topology') || 'subnet'}`);
  lines.push('verb 3', '');
  return lines.join('\n');
}

/** One client-specific override file (named by the common name), as openvpn_resync_csc writes it. */
export function cscFile(csc: string, server: string): { name: string; text: string } {
  const lines: string[] = [];
  if (elementText(csc, 'block') !== undefined) lines.push('disable');
  const pushReset = elementText(csc, 'push_reset') !== undefined;
  const keepMinimal = elementText(csc, 'keep_minimal') !== undefined;
  if (pushReset) lines.push('push-reset');
  for (const net of (elementText(csc, 'local_network') ?? '').split(',').filter(Boolean)) {
    const n = cidr(net);
    lines.push(`push "route ${n.ip} ${n.mask}"`);
  }
  const topology = elementText(server, 'topology') || 'subnet';
  if (pushReset && keepMinimal) lines.push(`push "topology ${topology}"`);
  const own = elementText(csc, 'tunnel_network');
  const serverTunnel = elementText(server, 'tunnel_network');
  if (pushReset && keepMinimal && topology === 'subnet' && serverTunnel) {
    const n = cidr(serverTunnel);
    const base = n.ip.split('.').map(Number);
    base[3]! += 1;
    lines.push(`push "route-gateway ${base.join('.')}"`);
  }
  if (own && serverTunnel) {
    const n = cidr(own);
    if (topology !== 'subnet') throw new Error('only topology subnet is modelled');
    lines.push(`ifconfig-push ${n.ip} ${n.mask}`);
  }
  return { name: required(csc, 'common_name'), text: `${lines.join('\n')}\n` };
}
