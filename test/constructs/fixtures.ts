import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Platform, type PlatformProps } from '../../lib/constructs/index.ts';
import { App, SecretValue } from '../../lib/core/index.ts';
import { ValidationError, type ValidationIssue } from '../../lib/core/validation.ts';

/** A platform like stacks/platform.ts, in a fresh app, with overridable props. */
export function testPlatform(overrides: Partial<PlatformProps> = {}): { app: App; platform: Platform } {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-constructs-')) });
  const platform = new Platform(app, 'platform', {
    cluster: {
      nodes: ['pve1', 'pve2'],
      templates: { pfsense: 9000, windowsServer: 9001, debian: 9002 },
      managementSource: '10.20.0.2',
      guestSshKey: SecretValue.generated('ssh/guest_ed25519'),
      backupStorage: 'nfs-backup',
    },
    wan: { physicalPort: 'eno1', routerAddress: '203.0.113.10/24', routerGateway: '203.0.113.1' },
    lan: { cidr: '10.20.0.0/16' },
    dmz: { cidr: '10.30.0.0/24' },
    vpn: { endpoint: 'vpn.example.com', tunnelNetwork: '10.8.0.0/20' },
    ...overrides,
  });
  return { app, platform };
}

/** The issues synth reports for `app` (none when it synthesizes). */
export function synthIssues(app: App): readonly ValidationIssue[] {
  try {
    app.synth({ write: false });
  } catch (e) {
    if (e instanceof ValidationError) return e.issues;
    throw e;
  }
  return [];
}
