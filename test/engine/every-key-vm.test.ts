import { describeCoverage } from './every-key/runner.ts';
import { vmCoverage } from './every-key/vm-keys.ts';

// Every key of the VM type, applied against the emulator (see every-key.test.ts for the whole picture).
describeCoverage(vmCoverage);
