/**
 * A plan type's property names beside Proxmox's, for handlers whose plan
 * keys map one to one to API parameters: the table lists plan paths (list
 * items as `[]`: `rule[].enabled`) with the API key each is sent as.
 */
export interface ProxmoxKeys {
  /** The API key a plan path (or a leaf inside a listed block) is sent as; undefined for paths not listed. */
  apiOf(path: string): string | undefined;
  /** The plan path an API key comes from; the API key itself when the table does not list it. */
  planOf(api: string): string;
}

/** `rule[3].enabled` → `rule[].enabled`: how tables name list items. */
const itemsAsLists = (path: string) => path.replace(/\[\d+\]/g, '[]');

const within = (path: string, key: string) =>
  path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`);

export function proxmoxKeys(table: Readonly<Record<string, string>>): ProxmoxKeys {
  // Longest first: `cpu.flags` wins over `cpu` for `cpu.flags[0]`.
  const entries = Object.entries(table).sort(([a], [b]) => b.length - a.length);
  const byApi = new Map<string, string>();
  for (const [plan, api] of Object.entries(table)) if (!byApi.has(api)) byApi.set(api, plan);
  return {
    apiOf(path) {
      const general = itemsAsLists(path);
      return entries.find(([plan]) => within(general, plan))?.[1];
    },
    planOf: (api) => byApi.get(api) ?? api,
  };
}
