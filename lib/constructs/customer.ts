import { Construct } from 'constructs';
import { z } from 'zod';
import { Annotations } from '../core/annotations.ts';
import { SynthError } from '../core/errors.ts';
import { closestKey } from '../core/private/closest-name.ts';
import { creationSiteOf } from '../core/private/creation-trace.ts';
import { Stack } from '../core/stack.ts';
import { VirtualEnvironmentPool } from '../resources/index.ts';
import { CustomerDbVm, type CustomerDbVmProps } from './customer-db-vm.ts';
import type { Platform } from './platform.ts';
import { checkProps, collecting, inConstruct } from './private/errors.ts';
import { addressPool, numberPool, seedOf, vmIdPool } from './private/identity/allocators.ts';
import type { IdentityPool } from './private/identity/identity-registry.ts';
import { formatCidr, type Ipv4Cidr } from './private/identity/ipv4.ts';
import { unknownServerHint } from './private/missing-import.ts';
import type { NoSchemaDrift, SchemaDrift } from './private/schema-drift.ts';

/**
 * A 4D server of the customer: the CustomerDbVm settings a customer chooses,
 * with its identity (address, VM id) derived from the customer unless pinned.
 * Values are checked as CustomerDbVm checks them: a `0` is refused, never
 * taken for "not given".
 */
export interface CustomerServer
  extends Pick<
    CustomerDbVmProps,
    'os' | 'cores' | 'memoryMiB' | 'dataDiskGb' | 'dataDiskLifecycle' | 'node' | 'highAvailability' | 'backup'
  > {
  /**
   * The 4D server's name, unique on the platform (`acme-main`): lower-case letters, digits and
   * `-`, starting with a letter, at most 63 characters. Also the construct id and the VM name.
   */
  readonly name: CustomerDbVmProps['serverName'];
  /**
   * Pin the server's LAN address (IPv4) instead of deriving it.
   * @default - derived from the customer and server names, in the customer's /24 of the LAN
   * (the `number`-th /24, counting from 0, when the LAN is a /22 or larger; else anywhere in
   * the LAN), never among the 10 lowest addresses
   */
  readonly address?: CustomerDbVmProps['address'];
  /**
   * Pin the server's Proxmox VM id instead of deriving it.
   * @default - derived from the server name, inside the customer's VM id block (the cluster's
   * `customerVmIds`), never the block's first id
   */
  readonly vmId?: CustomerDbVmProps['vmId'];
}

export interface CustomerUser {
  /**
   * Windows and VPN account name (`acme.alice`): lower-case letters, digits, `.`, `_` and `-`,
   * starting with a letter or digit, at most 20 characters.
   */
  readonly name: string;
  /**
   * The person's full name, at most 256 characters: the RDS account's full name and the VPN
   * account's description.
   * @default - none: the RDS account has no full name, the VPN description uses `name`
   */
  readonly fullName?: string;
  /** Every customer user connects through the VPN; `false` is refused by policy PVECDK-RDS-VIA-VPN. */
  readonly vpn: boolean;
  /**
   * Pin the user's address in the VPN tunnel network (only with `vpn: true`).
   * @default - what pvecdk.identities.json records for the user, else a free address of the tunnel network
   */
  readonly vpnAddress?: string;
  /**
   * The 4D servers this user opens, at least one: this customer's or another's (whose stack file is
   * imported first). Each gets a ShowGrounds shortcut on the RDS host.
   */
  readonly servers: string[];
}

export interface CustomerProps {
  /**
   * The customer's number on the platform (1-based, at most the cluster's `customerVmIds.blocks`):
   * picks its VM id block and LAN slice.
   */
  readonly number: number;
  /** The customer's 4D servers, at least one, with distinct names. */
  readonly servers: CustomerServer[];
  /** The customer's users, with distinct names; may be empty. */
  readonly users: CustomerUser[];
  /**
   * The stack's description, written into its plan.
   * @default - `customer <id>`, e.g. `customer acme`
   */
  readonly description?: string;
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;

const PropsSchema = z
  .strictObject({
    number: z.number().int().min(1),
    description: z.string().optional(),
    servers: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'a lower-case DNS label such as acme-main'),
          os: z.enum(['windows', 'linux']).optional(),
          cores: z.number().int().min(1).max(64).optional(),
          memoryMiB: z.number().int().min(1024).max(1_048_576).optional(),
          dataDiskGb: z.number().int().min(1).max(65_536).optional(),
          dataDiskLifecycle: z.enum(['delete', 'detach', 'retain']).optional(),
          node: z.string().optional(),
          address: z.ipv4().optional(),
          vmId: z.number().int().optional(),
          highAvailability: z.boolean().optional(),
          // Types only: CustomerDbVm checks the ranges.
          backup: z
            .union([
              z.literal(false),
              z.strictObject({
                schedule: z.string().optional(),
                keepDaily: z.number().optional(),
                keepWeekly: z.number().optional(),
                keepMonthly: z.number().optional(),
              }),
            ])
            .optional(),
        }),
      )
      .min(1),
    users: z.array(
      z.strictObject({
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._-]{0,19}$/, 'lower-case letters, digits, . _ -, at most 20 characters'),
        fullName: z.string().max(256).optional(),
        vpn: z.boolean(),
        vpnAddress: z.ipv4().optional(),
        servers: z.array(z.string()).min(1, 'a user needs at least one server'),
      }),
    ),
  })
  .superRefine((p, ctx) => {
    // The second of two entries of one name is the one reported, at its own index.
    const dup = (names: string[], path: string) => {
      const seen = new Set<string>();
      names.forEach((n, i) => {
        if (seen.has(n))
          ctx.addIssue({ code: 'custom', path: [path, i, 'name'], message: `${n} is listed twice` });
        seen.add(n);
      });
    };
    dup(
      p.servers.map((s) => s.name),
      'servers',
    );
    dup(
      p.users.map((u) => u.name),
      'users',
    );
  });

// tsc fails here, naming the keys, when CustomerProps and PropsSchema drift apart.
type _SchemaInStep = NoSchemaDrift<SchemaDrift<CustomerProps, typeof PropsSchema>>;

type ParsedServer = z.infer<typeof PropsSchema>['servers'][number];
type ParsedUser = z.infer<typeof PropsSchema>['users'][number];

/** The pools a customer's servers draw VM ids and addresses from. */
interface ServerPools {
  readonly vmIds: IdentityPool<number>;
  readonly addresses: IdentityPool<string>;
}

/**
 * One call onboards a customer: its own stack (deployed after the platform)
 * with a resource pool, its 4D Server VM(s), and for each user a VPN account,
 * an RDS account, and one ShowGrounds shortcut per server they may use — a
 * user of two customers' servers gets two shortcuts.
 */
export class Customer extends Stack {
  readonly platform: Platform;
  readonly customerName: string;
  readonly servers: readonly CustomerDbVm[];
  readonly pool: VirtualEnvironmentPool;

  constructor(platform: Platform, id: string, props: CustomerProps) {
    super(platform.node.root as Construct, id, {
      remote: platform.remote,
      description: props.description ?? `customer ${id}`,
    });
    this.platform = platform;
    this.customerName = id;
    this.addDependency(platform, 'customers run on the platform');
    this.pool = new VirtualEnvironmentPool(this, 'Pool', {
      poolId: `customer-${id}`,
      comment: `pvecdk: customer ${id}`,
    });
    const servers: CustomerDbVm[] = [];
    this.servers = servers;
    // Every mistake in the props is recorded on this customer and reported at
    // synth together with those of every other construct of the run; what can
    // be built is built, so one wrong server does not hide another's mistake.
    if (!NAME.test(id)) {
      Annotations.of(this).addError(
        `a customer id is lower-case letters, digits and -, starting with a letter (got '${id}')`,
        { code: 'SYNTH_INVALID_ID', hint: 'name the customer like acme or globex-2' },
      );
      return;
    }
    const checked = checkProps(PropsSchema, props);
    if (!checked.ok) {
      for (const issue of checked.issues)
        Annotations.of(this).addError(issue.message, {
          code: 'SYNTH_INVALID_PROPS',
          hint:
            issue.hint ?? 'fix this prop of the Customer; CustomerProps documents each prop and its limits',
        });
      this.declareUnbuilt(props.servers);
      // The users' servers are still checked: a forgotten import shows with the props' mistakes.
      if (Array.isArray(props.users))
        props.users.forEach((u: Partial<CustomerUser> | null, i) => {
          if (Array.isArray(u?.servers)) this.serversKnown(u.servers, `users[${i}] (${String(u.name)})`);
        });
      return;
    }
    const p = checked.data;
    const { cluster, lan } = platform;
    const block = collecting(this, undefined, () => cluster.customerVmIdBlock(p.number));
    const slice = block && collecting(this, undefined, () => customerSlice(lan.cidr!, p.number));
    if (!block || !slice) {
      this.declareUnbuilt(p.servers);
      return;
    }
    // Customers of other stack files are in the identity record: a number or
    // server name one of them holds is refused, naming its file.
    cluster.identities.claim('customer_number', p.number, this);
    cluster.identities.track('customer_number', cluster.customerNumbers());
    const lanSlices = customerSlices(lan.cidr!);
    if (lanSlices) cluster.identities.track('customer_number', lanSlices);
    const pools: ServerPools = {
      vmIds: {
        ...vmIdPool(
          block.start + 1,
          block.size - 1,
          `VM ids of customer ${id}'s block ${block.start + 1}-${block.start + block.size - 1}`,
          "the cluster's customerVmIds.blockSize",
        ),
        group: 'VM ids of a customer block',
      },
      addresses: {
        ...addressPool(slice, `addresses of customer ${id}'s LAN slice`, 'the LAN bridge cidr'),
        group: "addresses of a customer's LAN slice",
      },
    };
    p.servers.forEach((s, i) => {
      const db = collecting(this, `servers[${i}] (${s.name})`, () => this.addServer(s, pools), s.name);
      if (db) servers.push(db);
      else platform.declareUnbuiltServer(s.name, id);
    });
    for (const [i, u] of p.users.entries()) this.addUser(u, `users[${i}] (${u.name})`);
  }

  /** One 4D server: its VM and everything around it, known to the platform once built. */
  private addServer(s: ParsedServer, pools: ServerPools): CustomerDbVm {
    const { cluster, lan, rds, vpn } = this.platform;
    const id = this.customerName;
    const db = new CustomerDbVm(this, s.name, {
      cluster,
      lan,
      customer: id,
      serverName: s.name,
      vmId: inConstruct(this, () =>
        this.serverIdentity('vm_id', s.name, s.vmId, pools.vmIds, `vmid:${s.name}`),
      ),
      address: inConstruct(this, () =>
        this.serverIdentity('ipv4_address', s.name, s.address, pools.addresses, `ip:${id}/${s.name}`),
      ),
      rdsAddress: rds.address,
      vpnNetwork: formatCidr(vpn.tunnel),
      poolId: this.pool.poolId,
      // A value given is passed on as given, 0 included: CustomerDbVm checks its range.
      ...(s.os !== undefined ? { os: s.os } : {}),
      ...(s.cores !== undefined ? { cores: s.cores } : {}),
      ...(s.memoryMiB !== undefined ? { memoryMiB: s.memoryMiB } : {}),
      ...(s.dataDiskGb !== undefined ? { dataDiskGb: s.dataDiskGb } : {}),
      ...(s.dataDiskLifecycle !== undefined ? { dataDiskLifecycle: s.dataDiskLifecycle } : {}),
      ...(s.node !== undefined ? { node: s.node } : {}),
      ...(s.highAvailability !== undefined ? { highAvailability: s.highAvailability } : {}),
      ...(s.backup !== undefined ? { backup: s.backup } : {}),
    });
    inConstruct(db, () =>
      this.platform.registerServer({ name: s.name, customer: id, address: db.address, construct: db }),
    );
    cluster.identities.claim('server_name', s.name, db);
    return db;
  }

  /**
   * One user: VPN account, RDS account and a shortcut per server. Its mistakes
   * (a server no loaded customer defines, a VPN address without VPN) are
   * recorded on the customer, naming the user's entry in the props.
   */
  private addUser(u: ParsedUser, where: string): void {
    const { platform } = this;
    const { lan, rds, vpn } = platform;
    if (!u.vpn && u.vpnAddress !== undefined) {
      Annotations.of(this).addError(
        `${where}.vpnAddress = '${u.vpnAddress}': set but vpn is false, so the address would never be used`,
        { code: 'SYNTH_INVALID_PROPS', hint: 'set vpn: true, or remove vpnAddress' },
      );
      return;
    }
    if (!this.serversKnown(u.servers, where)) return;
    // Servers of a customer that could not be built are left out: that customer's error says why.
    const servers = u.servers.flatMap((name) => platform.server(name) ?? []);
    collecting(
      this,
      where,
      () => {
        const scope = new Construct(this, u.name);
        if (u.vpn)
          vpn.addUser(scope, {
            name: u.name,
            description: `${u.fullName ?? u.name} (${this.customerName})`,
            ...(u.vpnAddress !== undefined ? { tunnelAddress: u.vpnAddress } : {}),
          });
        const account = rds.addUser(scope, {
          name: u.name,
          ...(u.fullName ? { fullName: u.fullName } : {}),
          servers,
          lan: lan.cidr!,
        });
        for (const server of servers) {
          const shortcut = rds.addShortcut(scope, `Shortcut-${server.name}`, u.name, server);
          shortcut.addDependency(account);
          // Another customer's server, by address: its stack's destroy warns that these still point at it.
          if (server.construct) {
            this.recordUse(shortcut, 'link_content', server.construct);
            this.recordUse(account, 'outbound_rules', server.construct);
          }
        }
      },
      u.name,
    );
  }

  /**
   * Whether every server a user names is defined by a loaded customer (or
   * declared by one that could not be built, whose own error says why). Each
   * unknown one is an error; when the identity record knows the stack file
   * that declares it, the hint gives the import the user forgot.
   */
  private serversKnown(names: readonly unknown[], where: string): boolean {
    const { platform } = this;
    let known = true;
    names.forEach((name, j) => {
      if (typeof name !== 'string' || platform.server(name) || platform.unbuiltServer(name)) return;
      known = false;
      const declared = platform.cluster.identities.recordedDeclaration('server_name', name);
      Annotations.of(this).addError(
        `${where}.servers[${j}] = '${name}': no loaded customer defines this server (known: ${platform.serverNames.join(', ') || 'none'})`,
        {
          code: 'SYNTH_UNKNOWN_NAME',
          hint: unknownServerHint(
            name,
            declared,
            creationSiteOf(this)?.file,
            closestKey(name, platform.serverNames),
          ),
        },
      );
    });
    return known;
  }

  /** Servers declared in props that could not be checked: users naming them are not reported again. */
  private declareUnbuilt(declared: unknown): void {
    if (!Array.isArray(declared)) return;
    for (const s of declared) {
      const name = (s as { name?: unknown } | null)?.name;
      if (typeof name === 'string') this.platform.declareUnbuiltServer(name, this.customerName);
    }
  }

  /**
   * A server's VM id or address: the pinned one when the stack file gives it,
   * else what the identity record holds for the server, else a free one.
   * Recorded under the server's path either way (the server claims what it
   * is given), so removing a pin later keeps the value.
   */
  private serverIdentity<V extends string | number>(
    kind: 'vm_id' | 'ipv4_address',
    server: string,
    pinned: V | undefined,
    pool: IdentityPool<V>,
    seed: string,
  ): V {
    // A pinned value is claimed by the server itself (CustomerDbVm), at the same path.
    if (pinned !== undefined) return pinned;
    return this.platform.cluster.identities.allocate(kind, this, pool, seedOf(seed), `/${server}`);
  }
}

/** The customer numbers the LAN has a /24 slice for, when it is sliced at all (a /22 or larger). */
function customerSlices(lan: Ipv4Cidr): IdentityPool<number> | undefined {
  if (lan.prefix > 22) return undefined;
  return {
    ...numberPool(1, 2 ** (24 - lan.prefix) - 1),
    describe: `customer LAN slices (a /24 each) of ${formatCidr(lan)}`,
    widenedBy: 'the LAN bridge cidr',
  };
}

/** Customer n's slice of the LAN: the n-th /24 when the LAN is large enough, else the whole LAN. */
function customerSlice(lan: Ipv4Cidr, n: number): Ipv4Cidr {
  if (lan.prefix > 22) return lan;
  const slices = 2 ** (24 - lan.prefix);
  if (n >= slices)
    throw new SynthError(
      'SYNTH_OUT_OF_RANGE',
      `customer number ${n} has no /24 slice in the LAN ${formatCidr(lan)} (${slices - 1} slices)`,
      'give the customer a free lower number, or widen the LAN',
    );
  return { network: lan.network + n * 256, prefix: 24 };
}

/** The schema Customer checks its props with; scripts/props-reference.ts reads its limits for docs/props.md. */
export { PropsSchema as CustomerPropsSchema };
