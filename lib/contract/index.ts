export { camelCase, snakeCase } from './key-case.ts';
export {
  AcknowledgementSchema,
  type Manifest,
  ManifestSchema,
  PLAN_VERSION,
  type Plan,
  type PlanOutput,
  PlanOutputSchema,
  type PlanResource,
  PlanResourceSchema,
  PlanSchema,
} from './plan.ts';
export { toPlanKeys, toUserPath, userKeyPath } from './plan-keys.ts';
export {
  type ContractKit,
  definePlanType,
  type PlanTypeDefinition,
  type PlanTypeSpec,
  type PropertiesOf,
  type Resolved,
  slotOf,
} from './plan-type.ts';
export {
  isPlanReference,
  isPlanSecret,
  type PlanReference,
  PlanReferenceSchema,
  type PlanSecret,
  PlanSecretSchema,
} from './plan-values.ts';
export { PLAN_TYPES, planTypeOf } from './registry.ts';
export { type SchemaKey, type SchemaShape, schemaKeys, shapeOf, unwrap, valuesAt } from './schema-walk.ts';
export * as types from './types/index.ts';
