import { describe, expect, it } from 'vitest';
import { stackFileCompiler } from '../../lib/cli/typescript-loader.ts';

const nodeStrips = Boolean((process.features as { readonly typescript?: string | false }).typescript);

describe('which compiler loads stack files', () => {
  it('GIVEN nothing set WHEN asked THEN tsx loads them, on every Node', () => {
    expect(stackFileCompiler({})).toBe('tsx');
    expect(stackFileCompiler({ PVECDK_TYPESCRIPT: 'tsx' })).toBe('tsx');
  });

  it("GIVEN PVECDK_TYPESCRIPT=node WHEN asked THEN Node's type stripping loads them where Node has it, tsx elsewhere", () => {
    expect(stackFileCompiler({ PVECDK_TYPESCRIPT: 'node' })).toBe(nodeStrips ? 'node' : 'tsx');
  });
});
