export {
  type AcknowledgedFinding,
  type Acknowledgement,
  type Annotation,
  Annotations,
} from './annotations.ts';
export { App, type AppProps } from './app.ts';
export { AspectPriority, Aspects, type IAspect } from './aspects.ts';
export { ConstructError, PvecdkError, SYNTH_ERROR_CODES, SynthError, type SynthErrorCode } from './errors.ts';
export { Output, type OutputProps } from './output.ts';
export { type Ref, Reference, type ReferenceJson } from './reference.ts';
export { type PropertyIssue, Resource, type ResourceProps } from './resource.ts';
export { Roles, type RoleTag } from './roles.ts';
export { type SecretReferenceJson, type SecretSource, SecretValue } from './secret.ts';
export { Stack, type StackProps } from './stack.ts';
export type { Assembly, LocatedAcknowledgedFinding } from './synthesizer.ts';
export { type SourceLocation, ValidationError, type ValidationIssue } from './validation.ts';
