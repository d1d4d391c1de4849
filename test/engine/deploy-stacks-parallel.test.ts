import { afterEach, describe, expect, it } from 'vitest';
import { type DeployFixture, deployFixture } from './deploy-fixture.ts';

const running: DeployFixture[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.emulator.close();
});

describe('stacks deployed side by side', () => {
  it('GIVEN acme and globex, which only depend on the platform WHEN deployed THEN they run at the same time after it', async () => {
    const f = await deployFixture();
    running.push(f);
    const spans = new Map<string, { start: number; end: number }>();
    const report = await f.deploy({
      onEvent: (stack, event) => {
        const span = spans.get(stack) ?? { start: Number.POSITIVE_INFINITY, end: 0 };
        if (event.type === 'running') span.start = Math.min(span.start, performance.now());
        if (event.type === 'done') span.end = Math.max(span.end, performance.now());
        spans.set(stack, span);
      },
    });
    expect(report.ok).toBe(true);
    const [platform, acme, globex] = ['platform', 'acme', 'globex'].map((s) => spans.get(s)!);
    expect(acme!.start).toBeGreaterThanOrEqual(platform!.end);
    expect(globex!.start).toBeGreaterThanOrEqual(platform!.end);
    // Overlap: each began before the other finished.
    expect(acme!.start).toBeLessThan(globex!.end);
    expect(globex!.start).toBeLessThan(acme!.end);
    // The report keeps the deployment order, whatever order stacks finished in.
    expect([...new Set(report.resources.map((r) => r.stack))]).toEqual(['platform', 'acme', 'globex']);
  }, 60_000);

  it('GIVEN acme fails WHEN acme and globex deploy THEN globex still deploys, and the deploy reports the failure', async () => {
    const f = await deployFixture();
    running.push(f);
    expect((await f.deploy({ targets: ['platform'] })).ok).toBe(true);
    const acmeVm = Object.values(f.assembly.plans.get('acme')!.resources).find(
      (r) => r.type === 'proxmox_virtual_environment_vm',
    )!;
    // Every clone to acme's VM id fails: acme cannot be created, globex is not affected.
    f.emulator.server.faults.configure({
      rules: [{ method: 'POST', path: '/qemu/\\d+/clone$', rate: 1, fault: 'server-error' }],
    });
    const cloneTo = (vmid: number) => f.emulator.server.emulator.state.vms[vmid];
    const globexVm = Object.values(f.assembly.plans.get('globex')!.resources).find(
      (r) => r.type === 'proxmox_virtual_environment_vm',
    )!;
    // Let globex's clone through by clearing the fault once acme's has failed.
    const report = await f.deploy({
      retry: { attempts: 1, baseMs: 1, maxMs: 1 },
      onEvent: (stack, event) => {
        if (stack === 'acme' && event.type === 'failed') f.emulator.server.faults.configure({ rules: [] });
      },
    });
    expect(report.ok).toBe(false);
    const vm = (stack: string) =>
      report.resources.find((r) => r.stack === stack && r.type === 'proxmox_virtual_environment_vm')!;
    expect(vm('acme').status).toBe('failed');
    expect(vm('acme').error).toContain('clone');
    expect(cloneTo(Number(acmeVm.properties.vm_id))).toBeUndefined();
    // globex either ran before the fault cleared and retried through the next deploy, or went through now.
    const again = await f.deploy();
    expect(again.ok).toBe(true);
    expect(cloneTo(Number(globexVm.properties.vm_id))).toBeDefined();
  }, 60_000);
});
