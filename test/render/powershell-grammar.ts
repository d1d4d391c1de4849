import { createRequire } from 'node:module';
import { Language, type Node, Parser } from 'web-tree-sitter';

/**
 * A real PowerShell grammar (tree-sitter-powershell, run as WebAssembly by
 * web-tree-sitter: no native build) for checking that rendered scripts parse.
 * It checks syntax only: what a cmdlet does is not modelled.
 */
const require = createRequire(import.meta.url);
let parser: Promise<Parser> | undefined;

async function load(): Promise<Parser> {
  await Parser.init();
  const language = await Language.load(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
  const p = new Parser();
  p.setLanguage(language);
  return p;
}

/** The syntax errors in a script, each as `line:column: text`; empty when it parses. */
export async function powershellSyntaxErrors(script: string): Promise<string[]> {
  parser ??= load();
  const tree = (await parser).parse(script);
  if (!tree) return ['the parser returned no tree'];
  const errors: string[] = [];
  const visit = (node: Node): void => {
    if (node.isError || node.isMissing) {
      const where = `${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
      const line = script.split('\n')[node.startPosition.row] ?? '';
      errors.push(`${where}: ${node.isMissing ? `missing ${node.type}` : 'unexpected'} in: ${line.trim()}`);
      return;
    }
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  tree.delete();
  return errors;
}
