/**
 * The files `pvecdk init` writes into a new project, as text. They are code (not files read at
 * run time) so that the compiled package carries them with nothing else to ship.
 */

/** What a scaffold file's text depends on. */
export interface ScaffoldInput {
  /** The npm package name of the new project. */
  readonly name: string;
}

export const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2023"],
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "skipLibCheck": true,
    "allowImportingTsExtensions": true,
    "verbatimModuleSyntax": true,
    "noEmit": true,
    "types": ["node"]
  },
  "include": ["stacks", "test"]
}
`;

/** Same keys as the project's own cdk.json: no remote, so deploys go to the embedded emulator. */
export const CDK_JSON = `{
  "output": "cdk.out",
  "stateDir": ".pvecdk",
  "remotes": {},
  "context": {}
}
`;

/** Lines .gitignore must hold: synthesized plans, local state and the emulator, dependencies. */
export const GITIGNORE_LINES = ['node_modules/', 'cdk.out/', '.pvecdk/'];

export const PLATFORM_STACK = `import { App, Platform, SecretValue } from 'pvecdk';

/** One App for the whole project: every stack file imports it from here. */
export const app = new App();

/**
 * The shared hosting platform: the cluster, three bridges (WAN vmbr0, LAN vmbr1, DMZ vmbr2),
 * the pfSense router with the customers' VPN, and the Remote Desktop host.
 * Fill in your own values; the ones below fit the embedded emulator, which is what
 * \`npx pvecdk deploy\` uses until cdk.json names a remote.
 */
export const platform = new Platform(app, 'platform', {
  cluster: {
    // The Proxmox VE node names, as \`pvecm nodes\` lists them.
    nodes: ['pve1', 'pve2', 'pve3'],
    // Storage for VM disks (e.g. local-lvm, a Ceph pool) and for vzdump backups (e.g. NFS).
    defaultStorage: 'local-lvm',
    backupStorage: 'nfs-backup',
    // VM ids of the templates guests are cloned from (see the README of pvecdk).
    templates: { pfsense: 9000, windowsServer: 9001, debian: 9002 },
    // Where you and the deploy engine manage guests from: an address or CIDR on the LAN.
    managementSource: '10.20.0.2',
    // The SSH key the engine reaches guests with; generated once and kept in .pvecdk/.
    guestSshKey: SecretValue.generated('ssh/guest_ed25519'),
  },
  // The physical NIC of vmbr0 on every node, and the router's public address and gateway.
  wan: { physicalPort: 'eno1', routerAddress: '203.0.113.10/24', routerGateway: '203.0.113.1' },
  // The customers' LAN: a /16 gives customer number n the /24 10.20.n.0.
  lan: { cidr: '10.20.0.0/16', vlanAware: true },
  // The DMZ where the Remote Desktop host lives.
  dmz: { cidr: '10.30.0.0/24' },
  // The OpenVPN server on the router: the name users connect to and the tunnel addresses.
  vpn: { endpoint: 'vpn.example.com', tunnelNetwork: '10.8.0.0/20' },
});
`;

export const EXAMPLE_STACK = `import { Customer } from 'pvecdk';
import { platform } from './platform.ts';

/**
 * One customer: a stack of its own, deployed after the platform, with a 4D Server VM and its
 * backups, and per user a VPN account and a Remote Desktop account with a shortcut per server.
 * A new customer is a copy of this file with the name, the number and the lists changed.
 */
export const example = new Customer(platform, 'example', {
  // Picks the customer's VM id block and LAN /24: one number per customer.
  number: 1,
  servers: [{ name: 'example-main', cores: 2, memoryMiB: 4096, dataDiskGb: 50 }],
  users: [{ name: 'example.alice', fullName: 'Alice Example', vpn: true, servers: ['example-main'] }],
});
`;

export const EXAMPLE_TEST = `import { Template } from 'pvecdk/assertions';
import { describe, expect, it } from 'vitest';
import { example } from '../stacks/example.ts';

describe('customer example', () => {
  it('GIVEN the example customer WHEN synthesized THEN it has one server VM and alice can reach it', () => {
    const template = Template.fromStack(example);
    template.resourceCountIs('proxmox_virtual_environment_vm', 1);
    template.hasResourceProperties('pvecdk_rds_shortcut', {
      user_name: 'example.alice',
      server_name: 'example-main',
    });
    expect(template.toJSON().dependsOn).toEqual(['platform']);
  });
});
`;

export function readme({ name }: ScaffoldInput): string {
  return `# ${name}

A hosting platform on Proxmox VE, described with pvecdk.

\`\`\`sh
npm install
npx pvecdk deploy stacks/example.ts   # the platform, then the example customer
npm test                              # the tests in test/
\`\`\`

With no remote in cdk.json, \`deploy\` uses the embedded Proxmox VE emulator (state in
.pvecdk/sim/). Pass options to \`npx pvecdk\` (\`npx pvecdk diff stacks/example.ts --json\`):
\`npm run\` would keep them for itself unless they follow \`--\`.

- \`stacks/platform.ts\`: the platform's settings, to fill in;
- \`stacks/example.ts\`: one customer; copy it for the next one;
- \`test/example.test.ts\`: assertions on what a stack file synthesizes;
- \`pvecdk.identities.json\` (written by synth): the VM ids, addresses and MACs handed out so
  far; commit it with the stack files.
`;
}
