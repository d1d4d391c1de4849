import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPropsReference } from '../../scripts/props-reference.ts';

/** Rendered once for both tests: building the TypeScript program is most of the cost. */
let rendered: string | undefined;
const reference = () => {
  rendered ??= renderPropsReference();
  return rendered;
};

describe('docs/props.md', () => {
  it('GIVEN the declarations and schemas of Customer and Platform WHEN the reference is rendered THEN it equals the committed docs/props.md (run npm run generate)', () => {
    const committed = readFileSync(new URL('../../docs/props.md', import.meta.url), 'utf8');
    expect(committed).toBe(reference());
  }, 60_000);

  it('GIVEN the rendered reference WHEN read THEN every section is there with defaults and the limits synth checks', () => {
    const text = reference();
    for (const section of ['## CustomerProps', '## CustomerServer', '## CustomerUser', '## PlatformProps'])
      expect(text).toContain(section);
    expect(text).toMatch(/^\| `memoryMiB` \| `number` \| no \| 8192 \| whole number, 1024 to 1048576 \|/m);
    expect(text).toMatch(
      /^\| `name` \| `string` \| yes \| {2}\| matches `\/\^\[a-z0-9\]\[a-z0-9._-\]\{0,19\}\$\/` \|/m,
    );
    expect(text).toMatch(/^\| `cluster.customerVmClones` \| `'full' \\\| 'linked'` \| no \| 'full' \|/m);
    expect(text).toMatch(/^\| `vpnAddress` \| `string` \| no \| - what pvecdk.identities.json records/m);
  }, 60_000);
});
