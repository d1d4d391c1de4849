import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root (where tsconfig.json is). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A TypeScript program over `rootNames` with the project's compiler options,
 * where `virtualFiles` (absolute path → source text) exist only in memory, so
 * a test can compile a snippet that imports lib/ without writing into the tree.
 */
export function projectProgram(
  rootNames: readonly string[],
  virtualFiles: Record<string, string> = {},
): ts.Program {
  const configPath = join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, configPath);
  const host = ts.createCompilerHost(options, true);
  const virtual = new Map(Object.entries(virtualFiles).map(([path, text]) => [resolve(path), text]));
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const text = virtual.get(resolve(fileName));
    return text !== undefined
      ? ts.createSourceFile(fileName, text, languageVersion, true)
      : getSourceFile.call(host, fileName, languageVersion, ...rest);
  };
  host.fileExists = (fileName) => virtual.has(resolve(fileName)) || fileExists.call(host, fileName);
  host.readFile = (fileName) => virtual.get(resolve(fileName)) ?? readFile.call(host, fileName);
  return ts.createProgram({ rootNames: [...rootNames, ...virtual.keys()], options, host });
}
