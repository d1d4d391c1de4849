export { Capture } from './capture.ts';
export { Match } from './match.ts';
export type { MatchFailure, MatchResult } from './match-result.ts';
export type { Matcher } from './matcher.ts';
export { Template, TemplateAssertionError } from './template.ts';
