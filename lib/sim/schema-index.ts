import { readFileSync } from 'node:fs';
import { percentDecode } from './percent-decoding.ts';

/** One parameter of a method, as the PVE schema describes it. */
export interface SchemaParam {
  readonly type?: string;
  readonly optional?: number | boolean;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly format?:
    | string
    | Record<string, SchemaParam & { default_key?: number; alias?: string; keyAlias?: string }>;
  readonly default?: unknown;
  readonly items?: SchemaParam;
}

/**
 * What a method answers, as the PVE schema describes it: a parameter's
 * description plus nested `properties` and `items`. `additionalProperties: 0`
 * forbids keys the schema does not list; left out, they are allowed.
 */
export interface SchemaReturns extends Omit<SchemaParam, 'type' | 'items'> {
  /** A type name, or several any of which will do; none means any value. */
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaReturns>>;
  readonly additionalProperties?: number | boolean | SchemaReturns;
  readonly items?: SchemaReturns;
  /** A key that must be present when this one is. */
  readonly requires?: string | SchemaReturns;
}

export interface SchemaMethod {
  readonly name?: string;
  readonly method: string;
  readonly parameters?: {
    readonly properties?: Record<string, SchemaParam>;
    readonly additionalProperties?: number;
  };
  readonly permissions?: { readonly check?: unknown[]; readonly user?: string };
  readonly protected?: number;
  readonly returns?: SchemaReturns;
}

interface SchemaNode {
  readonly path: string;
  readonly info?: Record<string, SchemaMethod>;
  readonly children?: SchemaNode[];
}

export interface Route {
  /** `/nodes/{node}/qemu/{vmid}/config`. */
  readonly template: string;
  readonly methods: Readonly<Record<string, SchemaMethod>>;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

const VOLUME_TAIL = /\/storage\/\{storage\}\/content\/\{volume\}$/;

export interface RouteMatch {
  readonly route: Route;
  readonly pathParams: Record<string, string>;
}

/**
 * The PVE API schema as a route table. Templates match on whole segments;
 * a literal segment beats a `{param}` one, as in Proxmox's own router.
 */
export class SchemaIndex {
  static load(file = new URL('./schema/pve-api-schema-8.4.json', import.meta.url)): SchemaIndex {
    return new SchemaIndex(JSON.parse(readFileSync(file, 'utf8')) as SchemaNode[]);
  }

  readonly routes: readonly Route[];

  constructor(tree: readonly SchemaNode[]) {
    const routes: Route[] = [];
    const walk = (nodes: readonly SchemaNode[]): void => {
      for (const n of nodes) {
        if (n.info) {
          const names: string[] = [];
          const source = n.path
            .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
            .replace(/\{([^}]+)\}/g, (_m, name: string) => {
              names.push(name);
              // A volume id may hold a slash (`local:iso/x.iso`): pve-storage mounts its content
              // handler with an empty fragmentDelimiter, so `{volume}` takes the rest of the path.
              return VOLUME_TAIL.test(n.path) && name === 'volume' ? '(.+)' : '([^/]+)';
            });
          routes.push({ template: n.path, methods: n.info, pattern: new RegExp(`^${source}$`), names });
        }
        if (n.children) walk(n.children);
      }
    };
    walk(tree);
    // Fewer parameters first: `/nodes/{node}/qemu/{vmid}/status/current` over a wider match.
    this.routes = routes.sort((a, b) => a.names.length - b.names.length);
  }

  match(path: string): RouteMatch | undefined {
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      const pathParams: Record<string, string> = {};
      route.names.forEach((name, i) => {
        pathParams[name] = percentDecode(m[i + 1]!);
      });
      return { route, pathParams };
    }
    return undefined;
  }

  /** Every (path, method) pair the schema lists. */
  *methods(): Generator<{ template: string; method: string; info: SchemaMethod }> {
    for (const route of this.routes) {
      for (const [method, info] of Object.entries(route.methods))
        yield { template: route.template, method, info };
    }
  }
}
