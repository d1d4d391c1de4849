import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import { loadAssembly } from '../../lib/engine/plan-loader.ts';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { StateStore } from '../../lib/engine/state-store.ts';
import { ROOT, runCli } from './run-cli.ts';

const GLOBEX = join(ROOT, 'stacks/globex.ts');

/** A project folder of its own (its state and secrets in it), the example stacks given by absolute path. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-credentials-'));
  writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ output: 'cdk.out', stateDir: '.pvecdk' }));
  return dir;
}

/** Records carol's account and her globex shortcut as a deploy would, and makes her password. */
async function deployCarolByHand(dir: string): Promise<{ password: string; remote: string }> {
  const plan = loadAssembly(join(dir, 'cdk.out')).plans.get('globex')!;
  const stateDir = join(dir, '.pvecdk', 'sim');
  const state = StateStore.open(stateDir, plan.remote, 'globex');
  for (const [id, r] of Object.entries(plan.resources)) {
    const p = r.properties as Record<string, unknown>;
    const carols = p.user_name === 'globex.carol';
    if (carols && (r.type === 'pvecdk_rds_user' || p.server_name === 'globex-main'))
      await state.put(id, { type: r.type, path: r.path, attributes: {}, properties: p, dependsOn: [] });
  }
  const password = new SecretStore(stateDir, plan.remote, dir).resolve('generated:rds/users/globex.carol');
  return { password, remote: plan.remote };
}

describe('pvecdk credentials', () => {
  it('GIVEN carol not deployed, then deployed WHEN asked THEN it refuses first, then shows account, host and shortcuts, the password only with --stdout when not on a terminal', async () => {
    const dir = project();
    const before = runCli(['credentials', GLOBEX, 'globex.carol'], { cwd: dir });
    expect(before.code).toBe(2);
    expect(before.stderr).toContain(
      'error CLI_RDS_USER_NOT_DEPLOYED: RDS user globex.carol of stack globex is not deployed',
    );
    expect(before.stderr).toContain(`hint: deploy it first: pvecdk deploy ${GLOBEX}`);

    const { password } = await deployCarolByHand(dir);
    const piped = runCli(['credentials', GLOBEX, 'globex.carol'], { cwd: dir });
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(piped.stdout).not.toContain(password);
    expect(piped.stdout.split('\n')).toEqual([
      expect.stringMatching(/^RDS account of globex\.carol \(Carol Nguyen\), stack globex, remote \S+$/),
      '  Remote Desktop      10.30.0.123:3389 (connect to the VPN first)',
      '  account             globex.carol',
      '  initial password    (hidden: the output is not a terminal; add --stdout to print it)',
      '',
      '  Shortcuts on the desktop (folder ShowGrounds, refreshed at each logon):',
      '    ShowGrounds - acme-main  opens 4D server acme-main  (planned: deploy to make it)',
      '    ShowGrounds - globex-main  opens 4D server globex-main',
      '',
    ]);

    const shown = runCli(['credentials', GLOBEX, 'globex.carol', '--stdout', '--json'], { cwd: dir });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      user: 'globex.carol',
      fullName: 'Carol Nguyen',
      stack: 'globex',
      rdsHost: '10.30.0.123',
      password,
      shortcuts: [
        { name: 'ShowGrounds - acme-main', server: 'acme-main', deployed: false },
        { name: 'ShowGrounds - globex-main', server: 'globex-main', deployed: true },
      ],
    });

    // On a terminal the password is shown without --stdout.
    const out: string[] = [];
    const code = await main(['credentials', GLOBEX, 'globex.carol'], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      cwd: dir,
      terminal: process.stdout,
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toContain(`  initial password    ${password}`);
    // Four CLI runs, each synthesizing the example stacks: seconds each on a loaded machine.
  }, 90_000);

  it('GIVEN a name no stack of the file has WHEN asked THEN exit 2 listing the users it has', () => {
    const run = runCli(['credentials', GLOBEX, 'globex.dave'], { cwd: project() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error CLI_RDS_USER_UNKNOWN: no stack of ${GLOBEX} has an RDS user globex.dave (its users: acme.alice, acme.bob, globex.carol)`,
    );
  });
});
