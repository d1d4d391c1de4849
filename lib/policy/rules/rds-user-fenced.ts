import type { PolicyFinding, PolicyRule, PolicySubject } from '../policy-rule.ts';
import { portSpecIncludes } from '../private/ports.ts';

/** 4D Server's ports (SQL, application, DB4D, debugger): every one must be fenced. */
const FOUR_D_PORTS = [19812, 19813, 19814, 19815];

interface FenceRuleData {
  name?: unknown;
  action?: unknown;
  remote_ports?: unknown;
  remote_addresses?: unknown;
}

function toNumber(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m || m.slice(1).some((p) => Number(p) > 255)) return undefined;
  return m.slice(1).reduce((n, p) => n * 256 + Number(p), 0);
}

/** Does a Windows Firewall address list (`a`, `a-b`) hold `address`? */
function addressesInclude(list: unknown, address: string): boolean {
  const n = toNumber(address);
  if (n === undefined || !Array.isArray(list)) return false;
  return list.some((entry) => {
    const [from, to] = String(entry).split('-');
    const a = toNumber(from ?? '');
    const b = to === undefined ? a : toNumber(to);
    return a !== undefined && b !== undefined && a <= n && n <= b;
  });
}

const coversFourD = (r: FenceRuleData) => FOUR_D_PORTS.every((p) => portSpecIncludes(r.remote_ports, p));

/**
 * On the shared RDS host, every account is fenced to its own 4D servers:
 * outbound rules scoped to the account allow the 4D ports only to the servers
 * the stack grants it (its shortcuts), and block them to every other 4D
 * server of the platform. Without it, any RDS user could open another
 * customer's server by typing its address.
 */
export const rdsUserFenced: PolicyRule = {
  id: 'PVECDK-RDS-USER-FENCED',
  title: "Every RDS user reaches only their own 4D servers: other customers' are blocked for their account",
  check(context) {
    const findings: PolicyFinding[] = [];
    const servers = new Map<string, string>();
    for (const s of context.withRole('customer-db'))
      servers.set(String(s.role!.attributes.server), String(s.role!.attributes.address));
    const grants = new Map<string, Set<string>>();
    for (const s of context.ofType('pvecdk_rds_shortcut')) {
      const user = String(s.properties.user_name);
      if (!grants.has(user)) grants.set(user, new Set());
      grants.get(user)!.add(String(s.properties.server_name));
    }
    for (const s of context.ofType('pvecdk_rds_user')) findings.push(...checkUser(s, servers, grants));
    return findings;
  },
};

function checkUser(
  s: PolicySubject,
  servers: ReadonlyMap<string, string>,
  grants: ReadonlyMap<string, ReadonlySet<string>>,
): PolicyFinding[] {
  const user = String(s.properties.user_name);
  const granted = grants.get(user) ?? new Set<string>();
  const grantedAddresses = [...granted].map((g) => servers.get(g)).filter((a) => a !== undefined);
  const rules = (
    Array.isArray(s.properties.outbound_rules) ? s.properties.outbound_rules : []
  ) as FenceRuleData[];
  const blocks = rules.filter((r) => r.action === 'Block' && coversFourD(r));
  const open = [...servers]
    .filter(
      ([name, address]) =>
        !granted.has(name) && !blocks.some((b) => addressesInclude(b.remote_addresses, address)),
    )
    .map(([name, address]) => `${name} (${address})`);
  const findings: PolicyFinding[] = [];
  if (!blocks.length)
    findings.push({
      construct: s.resource,
      message: `RDS user ${user} has no fence: no outbound Block rule for the 4D ports 19812-19815 scoped to their account`,
      hint: 'create RDS users with RdsHost.addUser, which fences each account to the servers it is granted',
    });
  else if (open.length)
    findings.push({
      construct: s.resource,
      message: `RDS user ${user} is not fenced off the 4D servers ${open.join(', ')}: their account could open another customer's server`,
      hint: 'give the account a Block rule for 19812-19815 covering every 4D server it is not granted (RdsHost.addUser does)',
    });
  for (const r of rules) {
    if (r.action !== 'Allow') continue;
    const addresses = Array.isArray(r.remote_addresses) ? r.remote_addresses.map(String) : [];
    const beyond = addresses.filter((a) => !grantedAddresses.includes(a));
    if (beyond.length)
      findings.push({
        construct: s.resource,
        message: `RDS user ${user}'s rule ${String(r.name)} allows ${beyond.join(', ')}, which is none of the 4D servers the user is granted (${[...granted].join(', ') || 'none'})`,
        hint: 'allow only the addresses of the servers the user has shortcuts to',
      });
  }
  return findings;
}
