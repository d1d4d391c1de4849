import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RunningEmulator } from '../lib/sim/index.ts';

/** Debian's ansible runs on the system Python, where python3-proxmoxer is installed. */
const PYTHON = '/usr/bin/python3';
const PLAYBOOK_TIMEOUT_MS = 30 * 60_000;

/** Why the peer cannot run here, or undefined when ansible-playbook and its proxmox_kvm module are usable. */
export function ansibleMissing(): string | undefined {
  const version = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0)
    return 'ansible-playbook is not installed (Debian: apt-get install ansible python3-proxmoxer)';
  const doc = spawnSync('ansible-doc', ['-t', 'module', 'community.general.proxmox_kvm'], {
    encoding: 'utf8',
  });
  if (doc.status !== 0) return 'the community.general.proxmox_kvm module is not available';
  const proxmoxer = spawnSync(PYTHON, ['-c', 'import proxmoxer, requests'], { encoding: 'utf8' });
  if (proxmoxer.status !== 0) return `proxmox_kvm needs proxmoxer and requests under ${PYTHON}`;
  return undefined;
}

export interface PeerVm {
  readonly vmid: number;
  readonly name: string;
}

/**
 * The lifecycle as an Ansible user writes it with proxmox_kvm: clone each VM
 * from the template (full, onto the storage), set its CPU and memory,
 * start it; each task loops over the VMs one after another, and each module
 * call waits for its Proxmox task.
 */
function playbook(
  emulator: RunningEmulator,
  vms: readonly PeerVm[],
  template: { vmid: number; name: string },
): string {
  const host = new URL(emulator.url).host;
  const [user, tokenName] = emulator.tokenId.split('!') as [string, string];
  const connection = {
    api_host: host,
    api_user: user,
    api_token_id: tokenName,
    api_token_secret: '{{ token_secret }}',
    // The emulator's certificate is self-signed; proxmox_kvm cannot pin a fingerprint.
    validate_certs: false,
    node: 'pve1',
    timeout: 600,
  };
  const play = [
    {
      hosts: 'localhost',
      connection: 'local',
      gather_facts: false,
      vars: { vms: vms.map((v) => ({ vmid: v.vmid, name: v.name })) },
      tasks: [
        {
          name: 'clone the VMs from the template',
          'community.general.proxmox_kvm': {
            ...connection,
            clone: template.name,
            vmid: template.vmid,
            newid: '{{ item.vmid }}',
            name: '{{ item.name }}',
            full: true,
            storage: 'local-lvm',
          },
          loop: '{{ vms }}',
        },
        {
          name: 'configure the VMs',
          'community.general.proxmox_kvm': {
            ...connection,
            vmid: '{{ item.vmid }}',
            name: '{{ item.name }}',
            update: true,
            cores: 4,
            memory: 8192,
          },
          loop: '{{ vms }}',
        },
        {
          name: 'start the VMs',
          'community.general.proxmox_kvm': {
            ...connection,
            vmid: '{{ item.vmid }}',
            name: '{{ item.name }}',
            state: 'started',
          },
          loop: '{{ vms }}',
        },
      ],
    },
  ];
  // JSON is YAML: the playbook needs no YAML library.
  return JSON.stringify(play, null, 2);
}

export interface PeerRun {
  readonly ms: number;
  readonly ok: boolean;
  readonly recap: string;
}

/** Runs a command without blocking the event loop (the emulator answering it runs in this process). */
function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), PLAYBOOK_TIMEOUT_MS);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ status: null, stdout, stderr: `${stderr}${e.message}` });
    });
  });
}

/** Writes the playbook and runs it `runs` times in a row (the first creates, the next are re-runs). */
export async function runAnsiblePeer(
  emulator: RunningEmulator,
  vms: readonly PeerVm[],
  template: { vmid: number; name: string },
  runs: number,
): Promise<PeerRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-bench-ansible-'));
  const file = join(dir, 'lifecycle.yml');
  writeFileSync(file, playbook(emulator, vms, template));
  // The secret goes in a vars file only the owner reads, never on the command line.
  const vars = join(dir, 'secret.json');
  writeFileSync(vars, JSON.stringify({ token_secret: emulator.tokenSecret }), { mode: 0o600 });
  const out: PeerRun[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = await run(
      'ansible-playbook',
      ['-i', 'localhost,', '-e', `@${vars}`, '-e', `ansible_python_interpreter=${PYTHON}`, file],
      { ...process.env, ANSIBLE_NOCOLOR: '1', PYTHONWARNINGS: 'ignore' },
    );
    const ms = performance.now() - started;
    const fatal = result.stdout
      .split('\n')
      .filter((l) => /^(fatal|failed):/.test(l))
      .map((l) => l.slice(0, 600));
    const recapped = /PLAY RECAP[\s\S]*/.exec(result.stdout);
    const recap = `${fatal.join('\n')}\n${recapped ? recapped[0].trim() : `${result.stdout.slice(-1500)}\n${result.stderr.slice(-1500)}`}`;
    out.push({ ms, ok: result.status === 0, recap: recap.replaceAll(emulator.tokenSecret, '***') });
  }
  return out;
}
