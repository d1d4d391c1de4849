import type { Plan } from '../../contract/plan.ts';
import { isPlanReference } from '../../contract/plan-values.ts';
import { summarizeThrown } from '../../core/error-family.ts';
import { describeGuestVm, guestAddressOf, type PlanGuestTarget } from '../../engine/guest/guest-address.ts';
import type { GuestAddress, GuestTransport } from '../../engine/guest/guest-transport.ts';
import { stateHostKeyTrust } from '../../engine/guest/state-host-keys.ts';
import { loadAssembly } from '../../engine/plan-loader.ts';
import { resolveReferences } from '../../engine/references.ts';
import type { StateStore } from '../../engine/state-store.ts';
import type { PveApi } from '../../pve/api/pve-api.ts';
import { powerShellDialect, shDialect } from '../../ssh/dialects.ts';
import type { ProjectConfig } from '../config.ts';
import { guestTransportFor } from '../guest-transport-for.ts';
import { openRemote } from '../remote-target.ts';
import { secretStoreFor } from '../secret-store-for.ts';
import { loadStackFile } from '../stack-file.ts';
import { synthStackFile } from './synth.ts';

/** One guest a plan names, and what checking it found. */
export interface GuestCheck {
  readonly stack: string;
  /** The resources that reach this guest. */
  readonly paths: readonly string[];
  /** `VM 101 on pve1`, or the plan's words while the VM is not deployed. */
  readonly vm: string;
  readonly endpoint: string;
  readonly dialect: GuestAddress['dialect'];
  readonly status: 'ok' | 'failed' | 'not deployed';
  /** What the guest answered (its OS or PowerShell version), or what went wrong. */
  readonly detail: string;
  readonly code?: string;
  /** What to do about a failure. */
  readonly hint?: string;
}

/** The command each dialect answers with its version: proof the guest speaks it. */
const PROBES: Record<GuestAddress['dialect'], { readonly script: string; readonly what: string }> = {
  sh: { script: 'uname -sr', what: 'uname' },
  powershell: { script: '$PSVersionTable.PSVersion.ToString()', what: '$PSVersionTable.PSVersion' },
  pfsense: { script: 'cat /etc/version', what: '/etc/version' },
};

interface NamedGuest {
  readonly stack: string;
  readonly paths: string[];
  readonly target: unknown;
}

/** Every distinct guest target the plans name (a resource's `target` block), with the resources using it. */
export function guestsOfPlans(plans: readonly Plan[]): NamedGuest[] {
  const found = new Map<string, NamedGuest>();
  for (const plan of plans)
    for (const resource of Object.values(plan.resources)) {
      const target = (resource.properties as { target?: unknown }).target;
      if (typeof target !== 'object' || target === null || !('dialect' in target)) continue;
      const key = `${plan.stack}\0${JSON.stringify(target)}`;
      const entry = found.get(key) ?? { stack: plan.stack, paths: [], target };
      entry.paths.push(resource.path);
      found.set(key, entry);
    }
  return [...found.values()];
}

/**
 * Connects to each guest and runs its dialect's probe, all guests at once;
 * references (a VM's id) resolve from state, so a guest whose VM is not
 * deployed yet is listed as such, not reached.
 */
export async function checkGuests(
  plans: readonly Plan[],
  states: ReadonlyMap<string, StateStore>,
  transport: GuestTransport,
  api: PveApi,
): Promise<GuestCheck[]> {
  const lookup = (stack: string, id: string) => states.get(stack)?.state.resources[id]?.attributes;
  return Promise.all(
    guestsOfPlans(plans).map(async (g): Promise<GuestCheck> => {
      const resolved = resolveReferences(g.target, g.stack, lookup, false) as PlanGuestTarget;
      const dialect = resolved.dialect;
      const base = { stack: g.stack, paths: g.paths, dialect };
      const unknown = Object.values(resolved).some((v) => typeof v === 'object' && !isSecret(v));
      const raw = g.target as Record<string, unknown>;
      if (unknown)
        return {
          ...base,
          vm: `the VM of ${g.paths[0]}`,
          endpoint: `${String(raw.username)}@${isPlanReference(raw.host) ? '(not deployed)' : String(raw.host)}`,
          status: 'not deployed',
          detail: 'its VM is not deployed yet: deploy creates it, then run doctor again',
        };
      const address = guestAddressOf(resolved);
      const vm = describeGuestVm(address);
      const endpoint = `${address.username}@${address.host}:${address.port ?? 22}${address.jump_host ? ` via ${address.jump_host}` : ''}`;
      const state = states.get(g.stack);
      const view = state
        ? (transport.forStack?.(stateHostKeyTrust(state, api, { readOnly: true })) ?? transport)
        : transport;
      try {
        const session = await view.session(address, { path: g.paths[0]! });
        const probe = PROBES[dialect];
        const command =
          dialect === 'powershell'
            ? powerShellDialect.command(probe.script)
            : shDialect.command(probe.script);
        const answer = await session.exec(command, {
          label: `doctor probe (${probe.what})`,
          timeoutMs: 60_000,
        });
        const text = answer.stdout.trim().split('\n')[0] ?? '';
        if (!text)
          return {
            ...base,
            vm,
            endpoint,
            status: 'failed',
            detail: `${probe.what} answered nothing: the guest does not speak ${dialect} as expected`,
            hint: `check the dialect of the guest target (${dialect}) and the user's shell`,
          };
        return { ...base, vm, endpoint, status: 'ok', detail: `${probe.what}: ${text}` };
      } catch (e) {
        const { message, code, hint } = summarizeThrown(e);
        return {
          ...base,
          vm,
          endpoint,
          status: 'failed',
          detail: message,
          ...(code ? { code } : {}),
          ...(hint ? { hint } : {}),
        };
      }
    }),
  );
}

const isSecret = (v: unknown) =>
  typeof v === 'object' && v !== null && typeof (v as { secret?: unknown }).secret === 'string';

/** One line per guest (and a `what to do` line under a failure). */
export function formatChecks(checks: readonly GuestCheck[]): string {
  if (checks.length === 0) return 'no guest resources in these stacks: nothing to check';
  const lines: string[] = [];
  for (const c of checks) {
    const label = c.status === 'ok' ? 'ok    ' : c.status === 'failed' ? 'FAILED' : 'later ';
    lines.push(`${label} ${c.stack}: ${c.vm} ${c.endpoint} (${c.dialect}): ${c.detail.split('\n')[0]}`);
    if (c.hint) lines.push(`       what to do: ${c.hint}`);
  }
  const failed = checks.filter((c) => c.status === 'failed').length;
  lines.push(
    failed
      ? `${failed} of ${checks.length} guests failed the check`
      : `${checks.filter((c) => c.status === 'ok').length} of ${checks.length} guests answered`,
  );
  return lines.join('\n');
}

/**
 * `pvecdk doctor <stackfile>`: before any change, whether every guest the
 * stacks reach is reachable with the engine's key and answers in its
 * dialect. Exit 1 when one does not. Nothing is written, state included (a
 * host key seen first is trusted for the check only).
 */
export async function doctorCommand(o: {
  readonly file: string;
  readonly config: ProjectConfig;
  readonly cwd: string;
  readonly outdir: string;
  readonly remote: string | undefined;
  readonly json: boolean;
  readonly out: (line: string) => void;
}): Promise<number> {
  const loaded = await loadStackFile(o.file, o.cwd);
  synthStackFile(loaded, o.outdir);
  const assembly = loadAssembly(o.outdir);
  const plans = [...assembly.plans.values()];
  const name = o.remote ?? plans.find((p) => p.stack === loaded.targets[0]?.stackName)!.remote;
  const remote = await openRemote(o.config, name, o.cwd, 4);
  try {
    const secrets = secretStoreFor(o.config, remote.stateDir, remote.name, o.cwd);
    const transport = guestTransportFor(remote, secrets, { waitMs: 15_000 });
    const states = new Map(
      await Promise.all(
        plans.map(async (p) => [p.stack, await remote.backend.open(remote.name, p.stack)] as const),
      ),
    );
    const checks = transport
      ? await checkGuests(plans, states, transport, remote.api).finally(() => transport.close())
      : [];
    if (!transport && !o.json)
      o.out(
        'the embedded emulator emulates no guests: there is nothing to check (deploy to a real cluster to check guests)',
      );
    o.out(o.json ? JSON.stringify({ type: 'doctor', guests: checks }) : formatChecks(checks));
    return checks.some((c) => c.status === 'failed') ? 1 : 0;
  } finally {
    await remote.close();
  }
}
