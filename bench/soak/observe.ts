import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { z } from 'zod';
import { lockHolders } from '../../lib/engine/deploy-lock.ts';
import type { PveClient } from '../../lib/pve/client.ts';
import type { Observation, ObservedVm } from './invariants.ts';
import type { SoakProject } from './project.ts';

/** Names in the secret store that are public halves or records, not secrets (certificates, public keys, the CRL). */
const PUBLIC_SECRET_NAME = /\.(pub|crt|crl|revocations)$/;

const ClusterVmsSchema = z.array(
  z.object({
    vmid: z.number().int(),
    node: z.string(),
    name: z.string().optional(),
    template: z.number().optional(),
  }),
);
const VmConfigSchema = z.object({
  tags: z.string().optional(),
  description: z.string().optional(),
  lock: z.string().optional(),
});
const SecretStoreSchema = z.record(z.string(), z.string());

/** Every VM through the API: one bulk list, then each VM's config (tags, description, lock). */
export async function observeVms(client: PveClient): Promise<ObservedVm[]> {
  const listed = await client.request('GET', '/cluster/resources', { type: 'vm' }, ClusterVmsSchema);
  const vms: ObservedVm[] = [];
  for (const vm of listed) {
    const config = await client.request(
      'GET',
      `/nodes/${vm.node}/qemu/${vm.vmid}/config`,
      {},
      VmConfigSchema,
    );
    vms.push({
      vmid: vm.vmid,
      node: vm.node,
      name: vm.name ?? `VM ${vm.vmid}`,
      template: vm.template === 1,
      tags: (config.tags ?? '').split(/[;,\s]+/).filter(Boolean),
      description: config.description ?? '',
      lock: config.lock,
    });
  }
  return vms;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The stacks' state files (`<simDir>/state/<remote>/<stack>.json`), their locks, and the secrets. */
export function observeFiles(
  project: SoakProject,
  /** The emulator's API token secret: a secret too, which the CLI reads from the data dir. */
  tokenSecret: string,
): Pick<Observation, 'stateFiles' | 'locks' | 'secrets' | 'texts'> {
  const stateRoot = join(project.simDir, 'state');
  const remotes = existsSync(stateRoot) ? readdirSync(stateRoot) : [];
  const stateFiles: Array<{ file: string; text: string }> = [];
  const locks: Array<{ stack: string; holders: string[] }> = [];
  for (const remote of remotes) {
    const dir = join(stateRoot, remote);
    const names = readdirSync(dir);
    for (const name of names.filter((n) => n.endsWith('.json')))
      stateFiles.push({
        file: relative(project.dir, join(dir, name)),
        text: readFileSync(join(dir, name), 'utf8'),
      });
    const stacks = new Set(
      names.filter((n) => /\.(json|lock|shared)$/.test(n)).map((n) => n.replace(/\.(json|lock|shared)$/, '')),
    );
    for (const stack of stacks)
      locks.push({
        stack: `${stack} (${remote})`,
        holders: lockHolders(project.simDir, remote, stack).map(
          (h) => `${h.mode} by pid ${h.pid} (${h.command}, since ${h.startedAt})`,
        ),
      });
  }
  const secrets: Array<{ name: string; value: string }> = [
    { name: 'the emulator API token', value: tokenSecret },
  ];
  const storeDir = join(project.simDir, 'secrets');
  for (const file of existsSync(storeDir) ? readdirSync(storeDir).filter((n) => n.endsWith('.json')) : []) {
    const store = SecretStoreSchema.parse(JSON.parse(readFileSync(join(storeDir, file), 'utf8')));
    for (const [name, value] of Object.entries(store))
      if (!PUBLIC_SECRET_NAME.test(name)) secrets.push({ name: `${basename(file, '.json')}:${name}`, value });
  }
  const scanned = [
    ...filesUnder(join(project.dir, 'cdk.out')),
    ...filesUnder(stateRoot),
    ...filesUnder(project.logDir),
    ...filesUnder(join(project.dir, 'stacks')),
    join(project.dir, 'pvecdk.identities.json'),
    join(project.simDir, 'emulator.log'),
  ].filter((f) => existsSync(f));
  // logs/ holds every CLI run's output (stdout and stderr, as the operator saw it).
  const texts = scanned.map((f) => ({ where: relative(project.dir, f), text: readFileSync(f, 'utf8') }));
  return { stateFiles, locks, secrets, texts };
}
