import { describe, expect, it } from 'vitest';
import { stackFileCompiler } from '../../lib/cli/typescript-loader.ts';

describe('which compiler loads stack files', () => {
  it('GIVEN PVECDK_TYPESCRIPT=tsx WHEN asked THEN tsx loads them, whatever Node can do', () => {
    expect(stackFileCompiler({ PVECDK_TYPESCRIPT: 'tsx' })).toBe('tsx');
  });

  it('GIVEN nothing set WHEN asked THEN Node loads them where it strips types itself, tsx elsewhere', () => {
    const strips = Boolean((process.features as { readonly typescript?: string | false }).typescript);
    expect(stackFileCompiler({})).toBe(strips ? 'node' : 'tsx');
    // Node 20, which CI runs besides 24, has no type stripping by default.
    if (Number(process.versions.node.split('.')[0]) === 20) expect(stackFileCompiler({})).toBe('tsx');
  });
});
