import { aclCoverage, roleCoverage, userCoverage, userTokenCoverage } from './every-key/access-keys.ts';
import { describeCoverage } from './every-key/runner.ts';

// Every key of the access-control types, applied against the emulator (see every-key.test.ts for the whole picture).
describeCoverage(userCoverage);
describeCoverage(userTokenCoverage);
describeCoverage(roleCoverage);
describeCoverage(aclCoverage);
