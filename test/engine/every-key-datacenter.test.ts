import {
  backupJobCoverage,
  fileCoverage,
  haResourceCoverage,
  poolCoverage,
} from './every-key/datacenter-keys.ts';
import { describeCoverage } from './every-key/runner.ts';

// Every key of the datacenter types, applied against the emulator (see every-key.test.ts for the whole picture).
describeCoverage(poolCoverage);
describeCoverage(backupJobCoverage);
describeCoverage(haResourceCoverage);
describeCoverage(fileCoverage);
