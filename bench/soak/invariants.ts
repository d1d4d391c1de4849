import { StackStateSchema } from '../../lib/engine/state-store.ts';

/**
 * What must hold after every soak round, once faults are off and a clean
 * deploy ran. The checks are pure functions of an Observation (gathered from
 * the API and the files by observe.ts), so a test can plant each violation.
 */

/** A VM as the API lists it, with what its config says. */
export interface ObservedVm {
  readonly vmid: number;
  readonly node: string;
  readonly name: string;
  readonly template: boolean;
  readonly tags: readonly string[];
  readonly description: string;
  /** The config's `lock` (clone, create, snapshot, ...): set only while an operation holds the VM. */
  readonly lock: string | undefined;
}

/** Whether the re-deploy after the clean one changed nothing and `diff --fail` agreed. */
export interface ObservedConvergence {
  /** The CLI's exit code and its summary line for the re-deploy of every stack file. */
  readonly redeployExit: number | null;
  readonly redeploySummary: string;
  /** Write requests the emulator served during that re-deploy (0 when converged). */
  readonly redeployWrites: number;
  readonly diffExit: number | null;
}

export interface Observation {
  readonly vms: readonly ObservedVm[];
  /** Every file under the state folder's state/<remote>/, with its text. */
  readonly stateFiles: ReadonlyArray<{ readonly file: string; readonly text: string }>;
  /** Holders of each stack's deploy lock, read once no CLI runs. */
  readonly locks: ReadonlyArray<{ readonly stack: string; readonly holders: readonly string[] }>;
  /** Every secret value the run made or received (the secret store, the emulator's token). */
  readonly secrets: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /** Where secrets must never be: plans, state, identity record, logs, CLI output. */
  readonly texts: ReadonlyArray<{ readonly where: string; readonly text: string }>;
  readonly convergence: ObservedConvergence;
  /** Stacks that must be deployed now (the platform and every live customer). */
  readonly liveStacks: readonly string[];
}

export type ViolationKind =
  | 'not-converged'
  | 'duplicate-vm'
  | 'orphan-vm'
  | 'missing-vm'
  | 'leaked-lock'
  | 'invalid-state'
  | 'missing-state'
  | 'secret-leak';

export interface Violation {
  readonly kind: ViolationKind;
  readonly detail: string;
}

const CREATION_MARKER = 'pvecdk: being created by stack ';

/** The summary line of a deploy that changed nothing: created, updated, replaced and deleted all 0, none failed. */
export const UNCHANGED_SUMMARY =
  /created 0, updated 0, replaced 0, deleted 0, unchanged \d+, pending \d+, failed 0, skipped 0/;

export function checkInvariants(o: Observation): Violation[] {
  const states = parseStates(o);
  return [
    ...checkConvergence(o.convergence),
    ...states.violations,
    ...checkVms(o.vms, states.vmOwners),
    ...checkLocks(o.locks),
    ...checkSecrets(o.secrets, o.texts),
  ];
}

function checkConvergence(c: ObservedConvergence): Violation[] {
  const out: Violation[] = [];
  if (c.redeployExit !== 0 || !UNCHANGED_SUMMARY.test(c.redeploySummary))
    out.push({
      kind: 'not-converged',
      detail: `re-deploy of every stack file exited ${c.redeployExit}: ${c.redeploySummary || '(no summary line)'}`,
    });
  if (c.redeployWrites !== 0)
    out.push({
      kind: 'not-converged',
      detail: `re-deploy made ${c.redeployWrites} write request(s), expected 0`,
    });
  if (c.diffExit !== 0) out.push({ kind: 'not-converged', detail: `diff --all --fail exited ${c.diffExit}` });
  return out;
}

interface ParsedStates {
  readonly violations: Violation[];
  /** VM id to the `stack:path` entries that record it. */
  readonly vmOwners: Map<number, string[]>;
  /** Stacks with a state file, and how many resources each records. */
  readonly stacks: Map<string, number>;
}

function parseStates(o: Observation): ParsedStates {
  const violations: Violation[] = [];
  const vmOwners = new Map<number, string[]>();
  const stacks = new Map<string, number>();
  for (const { file, text } of o.stateFiles) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      violations.push({ kind: 'invalid-state', detail: `${file} is not JSON: ${(e as Error).message}` });
      continue;
    }
    const parsed = StackStateSchema.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      violations.push({ kind: 'invalid-state', detail: `${file} is not a pvecdk state file: ${where}` });
      continue;
    }
    stacks.set(parsed.data.stack, Object.keys(parsed.data.resources).length);
    for (const r of Object.values(parsed.data.resources)) {
      if (r.type !== 'proxmox_virtual_environment_vm') continue;
      const vmid = Number(r.attributes.vm_id);
      vmOwners.set(vmid, [...(vmOwners.get(vmid) ?? []), `${parsed.data.stack}:${r.path}`]);
    }
  }
  for (const stack of o.liveStacks)
    if (!stacks.get(stack))
      violations.push({
        kind: 'missing-state',
        detail: `stack ${stack} is live but its state records nothing`,
      });
  for (const [stack, count] of stacks)
    if (count > 0 && !o.liveStacks.includes(stack))
      violations.push({
        kind: 'not-converged',
        detail: `stack ${stack} was destroyed but its state still records ${count} resource(s)`,
      });
  return { violations, vmOwners, stacks };
}

function checkVms(vms: readonly ObservedVm[], owners: ReadonlyMap<number, readonly string[]>): Violation[] {
  const out: Violation[] = [];
  const guests = vms.filter((v) => !v.template);
  const byName = new Map<string, ObservedVm[]>();
  for (const vm of guests) byName.set(vm.name, [...(byName.get(vm.name) ?? []), vm]);
  for (const [name, same] of byName)
    if (same.length > 1)
      out.push({
        kind: 'duplicate-vm',
        detail: `VM name ${name} is used by ${same.map((v) => v.vmid).join(', ')}`,
      });
  for (const [vmid, entries] of owners)
    if (entries.length > 1)
      out.push({ kind: 'duplicate-vm', detail: `VM ${vmid} is recorded by ${entries.join(' and ')}` });
  const live = new Set(vms.map((v) => v.vmid));
  for (const [vmid, entries] of owners)
    if (!live.has(vmid))
      out.push({
        kind: 'missing-vm',
        detail: `${entries.join(', ')} records VM ${vmid}, which does not exist`,
      });
  for (const vm of guests) {
    const ours = vm.tags.includes('pvecdk') || vm.description.trim().startsWith(CREATION_MARKER);
    if (ours && !owners.has(vm.vmid))
      out.push({
        kind: 'orphan-vm',
        detail: `VM ${vm.vmid} (${vm.name}, tags ${vm.tags.join(';') || 'none'}) is pvecdk's but in no stack's state`,
      });
  }
  for (const vm of vms)
    if (vm.lock)
      out.push({
        kind: 'leaked-lock',
        detail: `VM ${vm.vmid} (${vm.name}) on ${vm.node} is still locked (${vm.lock})`,
      });
  return out;
}

function checkLocks(locks: Observation['locks']): Violation[] {
  return locks
    .filter((l) => l.holders.length > 0)
    .map((l) => ({
      kind: 'leaked-lock' as const,
      detail: `stack ${l.stack}'s deploy lock is still held, with no CLI running: ${l.holders.join('; ')}`,
    }));
}

/**
 * Fragments of a secret to search for: the value itself, and for key material
 * (PEM, OpenSSH) each body line, so a key printed re-wrapped or in part is found too.
 */
export function secretNeedles(value: string): string[] {
  const needles = new Set<string>();
  const trimmed = value.trim();
  if (trimmed.length >= 8) needles.add(trimmed);
  for (const line of trimmed.split(/\r?\n/)) {
    const l = line.trim();
    if (l.length >= 16 && !l.startsWith('-----') && !/^[A-Za-z-]+: /.test(l)) needles.add(l);
  }
  return [...needles];
}

function checkSecrets(secrets: Observation['secrets'], texts: Observation['texts']): Violation[] {
  const out: Violation[] = [];
  for (const secret of secrets) {
    const needles = secretNeedles(secret.value);
    for (const { where, text } of texts)
      if (needles.some((n) => text.includes(n)))
        out.push({ kind: 'secret-leak', detail: `secret ${secret.name} appears in ${where}` });
  }
  return out;
}
