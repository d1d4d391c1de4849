/**
 * Which interfaces a node's staged network edits touch, read from the
 * unified diff Proxmox adds to `GET /nodes/{node}/network` while
 * /etc/network/interfaces.new exists. A changed line belongs to the stanza
 * (`auto X` / `iface X ...`) above it in its hunk; a change whose stanza
 * header is outside the hunk's context cannot be placed, and then every
 * interface counts as touched (`'all'`).
 */
export function stagedInterfaces(changes: string): ReadonlySet<string> | 'all' {
  const touched = new Set<string>();
  let current: string | undefined;
  for (const line of changes.split('\n')) {
    if (line.startsWith('---') || line.startsWith('+++')) continue;
    if (line.startsWith('@@')) {
      current = undefined;
      continue;
    }
    const mark = line[0];
    if (mark !== ' ' && mark !== '+' && mark !== '-') continue;
    const header = /^(?:auto|allow-hotplug|iface)\s+(\S+)/.exec(line.slice(1));
    if (header) current = header[1];
    if (mark === ' ') continue;
    if (line.slice(1).trim() === '') continue;
    if (current === undefined) return 'all';
    touched.add(current);
  }
  return touched;
}
