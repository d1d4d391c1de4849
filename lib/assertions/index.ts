export * from './capture.ts';
export * from './match.ts';
export * from './match-result.ts';
export * from './matcher.ts';
export * from './template.ts';
