/** The package.json of a project `pvecdk init` makes, or what it adds to one that exists. */

/** The tools the project's scripts use, at the versions pvecdk itself is built and tested with. */
export interface ToolVersions {
  readonly pvecdk: string;
  readonly typescript: string;
  readonly vitest: string;
  readonly typesNode: string;
}

type Json = Record<string, unknown>;

const SCRIPTS = {
  synth: 'pvecdk synth',
  diff: 'pvecdk diff',
  deploy: 'pvecdk deploy',
  test: 'vitest run',
  typecheck: 'tsc --noEmit',
};

/**
 * `existing` (the folder's package.json, if any) with what the project needs added: what is there
 * already wins, so a dependency installed from a tarball or a path keeps its specifier.
 */
export function projectPackageJson(name: string, versions: ToolVersions, existing: Json = {}): Json {
  const merged: Json = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    ...existing,
  };
  merged.scripts = { ...SCRIPTS, ...record(existing.scripts) };
  merged.dependencies = { pvecdk: `^${versions.pvecdk}`, ...record(existing.dependencies) };
  merged.devDependencies = {
    '@types/node': versions.typesNode,
    typescript: versions.typescript,
    vitest: versions.vitest,
    ...record(existing.devDependencies),
  };
  return merged;
}

function record(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

/** An npm package name from a folder name: lower case, letters, digits, `-`, `.` and `_`. */
export function packageNameOf(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '');
  return name || 'pvecdk-platform';
}
