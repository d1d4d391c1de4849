/**
 * Proxmox property strings (`virtio=BC:24:11:00:00:01,bridge=vmbr1,firewall=1`):
 * a comma-separated list of `key=value` pairs, where the first item may be a
 * bare value for the format's default key. Proxmox keeps them as written, so
 * the same setting can come back with keys in another order; comparing them
 * as maps is what prevents perpetual diffs.
 */
export type PropertyMap = Map<string, string>;

/**
 * Parses a property string. `defaultKey` names the key of a leading bare
 * value (`model` for net, `file` for disks, `enabled` for agent). A leading
 * `model=MAC` pair (the net format's quirk) is kept as `model` + `macaddr`.
 */
export function parsePropertyString(
  text: string,
  options: { defaultKey?: string; nicModels?: boolean } = {},
): PropertyMap {
  const map: PropertyMap = new Map();
  const parts = text === '' ? [] : text.split(',');
  parts.forEach((part, i) => {
    const eq = part.indexOf('=');
    if (eq < 0) {
      // A NIC given without MAC (`virtio,bridge=vmbr0`): Proxmox generates one.
      if (options.nicModels && i === 0 && NIC_MODELS.has(part)) map.set('model', part);
      else if (i === 0 && options.defaultKey) map.set(options.defaultKey, part);
      else map.set(part, '1');
      return;
    }
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (options.nicModels && i === 0 && NIC_MODELS.has(key)) {
      map.set('model', key);
      if (value !== '') map.set('macaddr', value.toUpperCase());
      return;
    }
    map.set(key, value);
  });
  return map;
}

/** Writes a property string with the default key's value first, then keys sorted. */
export function formatPropertyString(
  map: PropertyMap,
  options: { defaultKey?: string; nicModels?: boolean } = {},
): string {
  const parts: string[] = [];
  const rest = new Map(map);
  if (options.nicModels && rest.has('model')) {
    // `virtio=` (an empty MAC) is invalid: without one, the model stands alone.
    const mac = rest.get('macaddr');
    parts.push(mac ? `${rest.get('model')}=${mac}` : rest.get('model')!);
    rest.delete('model');
    rest.delete('macaddr');
  } else if (options.defaultKey && rest.has(options.defaultKey)) {
    parts.push(rest.get(options.defaultKey)!);
    rest.delete(options.defaultKey);
  }
  for (const key of [...rest.keys()].sort()) parts.push(`${key}=${rest.get(key)}`);
  return parts.join(',');
}

/** NIC models that appear as the key of the net format's first pair. */
export const NIC_MODELS = new Set([
  'virtio',
  'e1000',
  'e1000e',
  'rtl8139',
  'vmxnet3',
  'i82551',
  'i82557b',
  'i82559er',
  'ne2k_isa',
  'ne2k_pci',
  'pcnet',
]);
