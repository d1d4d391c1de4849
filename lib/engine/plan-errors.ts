import { defineErrorFamily } from '../core/error-family.ts';

/** Errors reading synthesized plans back from disk. */
export const PLAN_ERROR_CODES = {
  PLAN_MISSING: 'a plan or the manifest is not in the output folder; run synth first',
  PLAN_INVALID: 'a plan or the manifest does not match the plan contract or each other',
} as const;

export type PlanErrorCode = keyof typeof PLAN_ERROR_CODES;

export class PlanError extends defineErrorFamily('Plans', PLAN_ERROR_CODES) {}
