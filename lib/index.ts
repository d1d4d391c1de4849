export * from './constructs/index.ts';
export * from './core/index.ts';
export * from './policy/index.ts';
export * from './resources/index.ts';
