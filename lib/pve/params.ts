/** What a Proxmox API call carries: its method and its parameters, and how they are written on the wire. */

export type PveMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type PveParamValue = string | number | boolean | undefined | readonly (string | number)[];
export type PveParams = Readonly<Record<string, PveParamValue>>;

/** Form/query encoding as Proxmox reads it: booleans as 0/1, lists as repeated keys, undefined left out. */
export function encodeParams(params: PveParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, String(v));
    else if (typeof value === 'boolean') search.append(key, value ? '1' : '0');
    else search.append(key, String(value));
  }
  return search.toString();
}
