import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderPropsReference } from './props-reference.ts';
import { renderResourceTypes } from './resource-types.ts';

/** Writes lib/resources/generated from the plan contracts; files no longer produced are removed. */
const dir = fileURLToPath(new URL('../lib/resources/generated/', import.meta.url));
mkdirSync(dir, { recursive: true });
const files = renderResourceTypes();
for (const name of readdirSync(dir)) if (!files.has(name)) rmSync(join(dir, name));
for (const [name, content] of files) writeFileSync(join(dir, name), content);
console.log(`wrote ${files.size} files to lib/resources/generated`);

/** docs/props.md: the reference of Customer's and Platform's props, from their declarations and schemas. */
writeFileSync(fileURLToPath(new URL('../docs/props.md', import.meta.url)), renderPropsReference());
console.log('wrote docs/props.md');
