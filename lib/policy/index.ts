export * from './platform-policies.ts';
export * from './policy-rule.ts';
export * from './rules/critical-snapshot.ts';
export * from './rules/db-isolation.ts';
export * from './rules/isolated-bridges.ts';
export * from './rules/no-wan-rdp.ts';
export * from './rules/rds-via-vpn.ts';
export * from './rules/secrets-by-reference.ts';
