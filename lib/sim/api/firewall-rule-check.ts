import { paramError } from '../emulator-error.ts';
import type { EmulatorFirewallRule } from '../state.ts';

/** pve-firewall's macro names, in the spelling it keeps (`$pve_fw_macros`). */
const MACROS = `Amanda Auth BGP BitTorrent BitTorrent32 Ceph CVS Citrix DAAP DCC DHCPfwd DNS Distcc FTP Finger
GNUnet GRE Git HKP HTTP HTTPS ICPV2 ICQ IMAP IMAPS IPIP IPsec IPsecah IPsecnat IRC Jetdirect L2TP LDAP LDAPS
MSNP MSSQL Mail MDNS Munin MySQL NNTP NNTPS NTP OSPF OpenVPN PCA PMG POP3 POP3S PPtP Ping PostgreSQL Printer
RDP RIP RNDC Razor Rdate Rsync SANE SMB SMBswat SMTP SMTPS SNMP SPAMD SSH SVN SixXS SPICEproxy Squid
Submission Syslog TFTP Telnet Telnets Time Trcrt VNC VNCL Web Webcache Webmin Whois`.split(/\s+/);

const PREFERRED = new Map(MACROS.map((m) => [m.toLowerCase(), m]));

/**
 * The checks of pve-firewall's `verify_rule` a rule of the API meets before
 * it is stored: a macro is known (and kept under its own spelling, whatever
 * the case it was given in), ports need a protocol, a guest rule's interface
 * is a `netN`. Returns the rule as stored.
 */
export function checkedRule(rule: EmulatorFirewallRule, scope: 'vm' | 'other'): EmulatorFirewallRule {
  const out = { ...rule };
  if (out.macro !== undefined) {
    const preferred = PREFERRED.get(String(out.macro).toLowerCase());
    if (!preferred) throw paramError({ macro: `unknown macro '${String(out.macro)}'` });
    out.macro = preferred;
  }
  for (const port of ['dport', 'sport'] as const)
    if (out[port] !== undefined && out.proto === undefined)
      throw paramError({ proto: `missing property - '${port}' requires this property` });
  if (scope === 'vm' && out.iface !== undefined && !/^net\d+$/.test(String(out.iface)))
    throw paramError({ iface: "value does not match the regex pattern 'net\\d+'" });
  return out;
}
