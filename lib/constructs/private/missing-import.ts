import { dirname, relative, resolve, sep } from 'node:path';

/** Where the identity record says a name is declared. */
export interface RecordedDeclaration {
  readonly stack: string;
  /** The stack file, relative to the project directory (the CLI's working directory). */
  readonly file: string | undefined;
}

/**
 * What to do about a 4D server no loaded customer defines. When the identity
 * record knows the customer that declares it, the stack file is the one the
 * user forgot to import: the hint gives the import line to add, relative to
 * the user's file, as they would write it.
 */
export function unknownServerHint(
  server: string,
  declared: RecordedDeclaration | undefined,
  userFile: string | undefined,
  similar: string | undefined,
): string {
  if (declared?.file) {
    const target = resolve(process.cwd(), declared.file);
    const where = userFile ? ` to ${relative(process.cwd(), userFile).split(sep).join('/')}` : '';
    return `${server} is declared by stack ${declared.stack} in ${declared.file}, which this run did not load: add import '${importSpecifier(userFile, target)}';${where}`;
  }
  if (similar)
    return `did you mean ${similar}? Else import the stack file of the customer that defines ${server}`;
  return `import the stack file of the customer that defines ${server} before this one, or fix the name`;
}

function importSpecifier(from: string | undefined, target: string): string {
  const spec = from ? relative(dirname(from), target).split(sep).join('/') : target;
  return from && !spec.startsWith('.') ? `./${spec}` : spec;
}
