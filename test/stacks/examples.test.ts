import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Template } from '../../lib/assertions/index.ts';
import { globex } from '../../stacks/globex.ts';
import { platform } from '../../stacks/platform.ts';
import { runCli } from '../cli/run-cli.ts';

describe('example stacks', () => {
  it('GIVEN stacks/platform.ts WHEN synthesized THEN the platform has three bridges per node, the router and the RDS host', () => {
    const template = Template.fromStack(platform);
    template.resourceCountIs('proxmox_virtual_environment_network_linux_bridge', 9);
    template.resourceCountIs('proxmox_virtual_environment_vm', 2);
    template.resourceCountIs('pvecdk_pfsense_config', 1);
    expect(template.toJSON()).toMatchSnapshot();
  });

  it('GIVEN stacks/globex.ts WHEN synthesized THEN carol has a shortcut for each of the two customers servers', () => {
    const template = Template.fromStack(globex);
    template.resourcePropertiesCountIs('pvecdk_rds_shortcut', { user_name: 'globex.carol' }, 2);
    template.hasResourceProperties('pvecdk_rds_shortcut', {
      user_name: 'globex.carol',
      server_name: 'acme-main',
    });
    expect(template.toJSON().dependsOn).toEqual(['platform']);
    expect(template.toJSON()).toMatchSnapshot();
  });

  it('GIVEN `pvecdk synth stacks/acme.ts` WHEN run THEN it writes the platform and acme plans and nothing else', () => {
    const out = mkdtempSync(join(tmpdir(), 'pvecdk-examples-'));
    const run = runCli(['synth', 'stacks/acme.ts', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['acme.plan.json', 'manifest.json', 'platform.plan.json']);
  });
});
