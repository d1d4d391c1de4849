import { defineErrorFamily } from '../../../core/error-family.ts';

/** Errors of reading, merging, writing and reloading a pfSense router's config.xml. */
export const PFSENSE_ERROR_CODES = {
  PFSENSE_CONFIG_INVALID:
    "the router's config.xml (or a rendered section) is not well-formed XML with a <pfsense> root, so nothing was merged or written",
  PFSENSE_CONFIG_MISSING: 'the router has no /cf/conf/config.xml: the guest is not a pfSense router',
  PFSENSE_WRITE_FAILED:
    'backing up or writing config.xml on the router failed; the config.xml before the change is still in place',
  PFSENSE_RELOAD_FAILED: 'pfSense did not apply the new config.xml (the reload exited with an error)',
  PFSENSE_VERIFY_FAILED:
    "after the write and reload, the router's config.xml does not hold what pvecdk wrote (named entry by entry)",
} as const;

export class PfsenseError extends defineErrorFamily('pfSense config', PFSENSE_ERROR_CODES, {
  whileRunning: ['PFSENSE_WRITE_FAILED', 'PFSENSE_RELOAD_FAILED', 'PFSENSE_VERIFY_FAILED'],
}) {}
