import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Integration tests: they start the emulator over HTTP, a real sshd or a fixture
 * server, spawn the CLI or other processes, or open sockets. Every other test file
 * is a unit test (pure and in-process, seconds in all): a new file is unit unless
 * listed here, and test/test-projects.test.ts fails when a unit file uses an
 * integration-only fixture or module, naming the file.
 */
export const INTEGRATION_TESTS = [
  'test/cli/bootstrap-role.test.ts',
  'test/cli/credentials.test.ts',
  'test/cli/deploy-options.test.ts',
  'test/cli/deploy.test.ts',
  'test/cli/secret-scan.test.ts',
  'test/cli/destroy-references.test.ts',
  'test/cli/onboarding-e2e.test.ts',
  'test/cli/remote-target.test.ts',
  'test/cli/diff.test.ts',
  'test/cli/errors-that-teach.test.ts',
  'test/cli/doctor.test.ts',
  'test/cli/sim.test.ts',
  'test/cli/synth.test.ts',
  'test/cli/vpn-profile.test.ts',
  'test/cli/secrets.test.ts',
  'test/engine/*-handler.test.ts',
  'test/engine/*-handlers.test.ts',
  'test/engine/critical-change.test.ts',
  'test/engine/rds/rds-user-critical.test.ts',
  'test/engine/guest/pfsense-config-handler.test.ts',
  'test/engine/guest/pfsense-config-emulated.test.ts',
  'test/engine/deploy*.test.ts',
  'test/engine/disk-lifecycle.test.ts',
  'test/engine/replace.test.ts',
  'test/engine/drift-recovery.test.ts',
  'test/engine/identity.test.ts',
  'test/engine/stack-diff.test.ts',
  'test/engine/every-key*.test.ts',
  'test/engine/every-type.test.ts',
  'test/engine/guest/*.test.ts',
  'test/engine/file-mutex.test.ts',
  'test/engine/preflight.test.ts',
  'test/engine/secret-store-processes.test.ts',
  'test/engine/vpn-pki.test.ts',
  'test/pve/**/*.test.ts',
  'test/sim/emulator.test.ts',
  'test/sim/task-recovery.test.ts',
  'test/sim/serving-race.test.ts',
  'test/sim/faults.test.ts',
  'test/sim/upload.test.ts',
  'test/sim/answers.test.ts',
  'test/sim/request-hardening.test.ts',
  'test/sim/secrets-at-rest.test.ts',
  'test/sim/guests/guest-auth.test.ts',
  'test/sim/guests/guest-endpoints.test.ts',
  'test/sim/guests/linux-guest.test.ts',
  'test/sim/guests/pfsense-guest.test.ts',
  'test/sim/guests/windows-guest.test.ts',
  'test/engine/planned-secrets.test.ts',
  'test/engine/interrupt.test.ts',
  'test/cli/interrupt.test.ts',
  'test/cli/stack-claim.test.ts',
  'test/cli/exit-codes.test.ts',
  'test/ssh/dialects.test.ts',
  'test/ssh/host-key.test.ts',
  'test/ssh/jump.test.ts',
  'test/ssh/session.test.ts',
  'test/ssh/upload.test.ts',
  'test/stacks/examples.test.ts',
  // ssh2 and a real bash as oracles.
  'test/core/openssh-ed25519.test.ts',
  'test/sim/guests/sh-dialect.test.ts',
  'test/package/*.test.ts',
  'test/cli/identity-record.test.ts',
  'test/constructs/identity-scale.test.ts',
  'test/vpn/openvpn-real.test.ts',
  // A real PostgreSQL (test/state/pg-fixture.ts), and the CLI against it.
  'test/state/*.test.ts',
];

const ALL_TESTS = 'test/**/*.test.ts';

/** package.json maps `pvecdk` to lib/*.ts under this condition (to dist/ otherwise): tests run the sources. */
const SOURCE_CONDITIONS = ['pvecdk-source', 'node', 'module', 'default'];

export default defineConfig({
  ssr: { resolve: { conditions: SOURCE_CONDITIONS } },
  test: {
    // No include here: a project that extends this config would add to it, not replace it.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // No identity record unless a test gives one: tests reuse stack names with
    // other numbers, and must neither read nor write the project's record.
    env: { PVECDK_IDENTITIES: '' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [ALL_TESTS],
          exclude: [...configDefaults.exclude, ...INTEGRATION_TESTS],
        },
      },
      { extends: true, test: { name: 'integration', include: INTEGRATION_TESTS } },
    ],
  },
});
