import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  Annotations,
  App,
  AspectPriority,
  Aspects,
  Resource,
  SecretValue,
  Stack,
  ValidationError,
} from '../../lib/core/index.ts';
import { PlatformPolicies } from '../../lib/policy/index.ts';

const REASON = 'isolated lab without customer data, removed after tests';

/** An app with the platform policies and a router whose config forwards RDP from the WAN when `rdp`. */
function routerApp(rdp: boolean) {
  const app = new App();
  Aspects.of(app).add(new PlatformPolicies(), { priority: AspectPriority.READONLY });
  const stack = new Stack(app, 'platform');
  const router = new Construct(stack, 'Router');
  new Resource(router, 'Config', {
    type: 'pvecdk_pfsense_config',
    properties: {
      target: {
        vmId: 100,
        nodeName: 'pve1',
        host: '10.0.0.1',
        username: 'admin',
        dialect: 'pfsense',
        privateKey: SecretValue.generated('ssh/guest_ed25519'),
      },
      sections: { filter: '<filter/>' },
      portForwards: rdp
        ? [
            {
              interface: 'wan',
              protocol: 'tcp',
              externalPort: '3389',
              targetPort: '3389',
              target: '10.30.0.10',
              description: 'lab',
            },
          ]
        : [],
    },
  }).markCritical({ snapshotRetention: 3 });
  return { app, stack, router };
}

/** The issues synth reports about acknowledgements and policies. */
function acknowledgementIssues(app: App) {
  try {
    app.synth({ write: false });
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return e.issues.filter((i) => i.code !== 'SYNTH_INVALID_PROPS');
  }
  return [];
}

describe('acknowledgements', () => {
  it('GIVEN an acknowledgement of a misspelt rule id WHEN synthesized THEN SYNTH_UNKNOWN_RULE suggests the rule, and the finding still fails', () => {
    // GIVEN
    const { app, router } = routerApp(true);
    Annotations.of(router).acknowledge('PVECDK-NO-WAN-RPD', REASON);
    // WHEN
    const issues = acknowledgementIssues(app);
    // THEN
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'platform/Router',
        code: 'SYNTH_UNKNOWN_RULE',
        message:
          'acknowledges PVECDK-NO-WAN-RPD, which is no policy rule of the platform; did you mean PVECDK-NO-WAN-RDP?',
        hint: expect.stringContaining('PVECDK-NO-WAN-RDP, PVECDK-ISOLATED-BRIDGES'),
      }),
      expect.objectContaining({
        path: 'platform/Router/Config',
        code: 'SYNTH_POLICY',
        rule: 'PVECDK-NO-WAN-RDP',
      }),
    ]);
  });

  it('GIVEN an acknowledgement where the rule finds nothing WHEN synthesized THEN SYNTH_UNUSED_ACKNOWLEDGEMENT names it', () => {
    const { app, stack } = routerApp(true);
    const elsewhere = new Construct(stack, 'Elsewhere');
    Annotations.of(elsewhere).acknowledge('PVECDK-NO-WAN-RDP', REASON);
    expect(acknowledgementIssues(app)).toEqual([
      expect.objectContaining({
        path: 'platform/Elsewhere',
        code: 'SYNTH_UNUSED_ACKNOWLEDGEMENT',
        message:
          'acknowledges PVECDK-NO-WAN-RDP, but the rule finds nothing at or below platform/Elsewhere to accept',
      }),
      expect.objectContaining({ path: 'platform/Router/Config', rule: 'PVECDK-NO-WAN-RDP' }),
    ]);
  });

  it('GIVEN an acknowledgement that outlived its finding WHEN synthesized THEN it is an error too', () => {
    const { app, router } = routerApp(false);
    Annotations.of(router).acknowledge('PVECDK-NO-WAN-RDP', REASON);
    expect(acknowledgementIssues(app).map((i) => i.code)).toEqual(['SYNTH_UNUSED_ACKNOWLEDGEMENT']);
  });

  it('GIVEN an acknowledgement accepting a finding WHEN synthesized THEN the assembly lists the finding with the acknowledgement and where the construct was made', () => {
    const { app, router } = routerApp(true);
    Annotations.of(router).acknowledge('PVECDK-NO-WAN-RDP', REASON);
    const assembly = app.synth({ write: false });
    expect(assembly.acknowledged).toEqual([
      {
        path: 'platform/Router/Config',
        rule: 'PVECDK-NO-WAN-RDP',
        message: "port forward 'lab' on wan exposes RDP (3389) to the Internet",
        acknowledgement: { rule: 'PVECDK-NO-WAN-RDP', path: 'platform/Router', reason: REASON },
        location: expect.objectContaining({ file: expect.stringMatching(/acknowledgements\.test\.ts$/) }),
      },
    ]);
  });
});
