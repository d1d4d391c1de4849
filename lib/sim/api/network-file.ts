import { createTwoFilesPatch } from 'diff';
import type { EmulatorNetIface } from '../state.ts';

const on = (v: unknown) => v === 1 || v === true || v === '1';

/** One interface as pve-common's INotify writes it into /etc/network/interfaces. */
function stanza(i: EmulatorNetIface): string[] {
  const bridge = i.type === 'bridge';
  const lines = [
    ...(i.autostart === undefined || on(i.autostart) ? [`auto ${i.iface}`] : []),
    `iface ${i.iface} inet ${i.cidr ? 'static' : 'manual'}`,
    ...(i.cidr ? [`\taddress ${i.cidr}`] : []),
    ...(i.gateway ? [`\tgateway ${i.gateway}`] : []),
    ...(bridge
      ? [
          `\tbridge-ports ${i.bridge_ports || 'none'}`,
          '\tbridge-stp off',
          '\tbridge-fd 0',
          ...(on(i.bridge_vlan_aware)
            ? ['\tbridge-vlan-aware yes', `\tbridge-vids ${i.bridge_vids ?? '2-4094'}`]
            : []),
        ]
      : []),
    ...(i.mtu !== undefined ? [`\tmtu ${i.mtu}`] : []),
    ...String(i.comments ?? '')
      .split('\n')
      .filter(Boolean)
      .map((c) => `#${c}`),
  ];
  if (i.cidr6)
    lines.push(
      '',
      `iface ${i.iface} inet6 static`,
      `\taddress ${i.cidr6}`,
      ...(i.gateway6 ? [`\tgateway ${i.gateway6}`] : []),
    );
  return lines;
}

/** A node's /etc/network/interfaces: loopback, then physical ports, then the rest by name. */
export function interfacesFile(ifaces: Readonly<Record<string, EmulatorNetIface>>): string {
  const order = (i: EmulatorNetIface) => (i.type === 'eth' ? 0 : 1);
  const sorted = Object.values(ifaces).sort((a, b) => order(a) - order(b) || (a.iface < b.iface ? -1 : 1));
  return ['auto lo', 'iface lo inet loopback', '', ...sorted.flatMap((i) => [...stanza(i), ''])].join('\n');
}

/**
 * What `GET /nodes/{node}/network` puts beside `data` while edits are staged
 * (interfaces.new exists): `changes`, the unified diff from the running file
 * to the staged one, as `diff -u` writes it.
 */
export function stagedChanges(
  running: Readonly<Record<string, EmulatorNetIface>>,
  staged: Readonly<Record<string, EmulatorNetIface>>,
): string {
  const patch = createTwoFilesPatch(
    '/etc/network/interfaces',
    '/etc/network/interfaces.new',
    interfacesFile(running),
    interfacesFile(staged),
    undefined,
    undefined,
    { context: 3 },
  );
  // jsdiff starts with a line of '=' that diff -u does not write.
  return patch.replace(/^=+\n/, '');
}
