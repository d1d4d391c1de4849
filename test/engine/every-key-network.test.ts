import {
  bridgeCoverage,
  firewallAliasCoverage,
  firewallIpsetCoverage,
  firewallOptionsCoverage,
  firewallRulesCoverage,
} from './every-key/network-keys.ts';
import { describeCoverage } from './every-key/runner.ts';

// Every key of the bridge and firewall types, applied against the emulator (see every-key.test.ts for the whole picture).
describeCoverage(bridgeCoverage);
describeCoverage(firewallRulesCoverage);
describeCoverage(firewallOptionsCoverage);
describeCoverage(firewallAliasCoverage);
describeCoverage(firewallIpsetCoverage);
