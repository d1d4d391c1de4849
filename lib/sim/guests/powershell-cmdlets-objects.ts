import { type CmdletContext, path } from './powershell-cmdlet-context.ts';
import { fromJson, JsonTextError, toJson } from './powershell-json.ts';
import { enumerate, toNumber, toStr, wildcard } from './powershell-values.ts';

/** Built-in variables PowerShell will not remove (constants and read-only automatic variables). */
const CONSTANT_VARIABLES = new Set([
  'true',
  'false',
  'null',
  'pid',
  'psversiontable',
  'host',
  'home',
  'shellid',
]);

/**
 * Objects and session state: ConvertTo-Json and ConvertFrom-Json (Windows
 * PowerShell 5.1's, see powershell-json.ts), Set-Item on the Env: drive and
 * Remove-Variable.
 */
export function objectCmdlets(c: CmdletContext): void {
  const { s, def, pathArg } = c;

  def({
    name: 'ConvertTo-Json',
    className: 'Microsoft.PowerShell.Commands.ConvertToJsonCommand',
    collectsPipeline: true,
    params: [
      { name: 'InputObject', type: 'object', position: 0, pipeline: true },
      { name: 'Depth', type: 'int' },
      { name: 'Compress', type: 'switch' },
    ],
    run: (call) => {
      if (!call.bound.has('InputObject'))
        call.fail({
          message: 'Cannot process command because of one or more missing mandatory parameters: InputObject.',
          category: 'InvalidArgument',
          reason: 'ParameterBindingException',
          errorId: 'MissingMandatoryParameter',
        });
      const depth = call.bound.has('Depth') ? (toNumber(call.params.Depth) ?? 2) : 2;
      if (depth < 1)
        call.fail({
          message: `Cannot validate argument on parameter 'Depth'. The ${depth} argument is less than the minimum allowed range of 1. Supply an argument that is greater than or equal to 1 and then try the command again.`,
          category: 'InvalidData',
          reason: 'ParameterBindingValidationException',
          errorId: 'ParameterArgumentValidationError',
        });
      // Objects from the pipeline are collected: one is written as itself, several as an array.
      const value = call.params.InputObject;
      const input = call.pipelined ? (enumerate(value).length === 1 ? enumerate(value)[0] : value) : value;
      call.output(toJson(input, depth, call.params.Compress === true));
    },
  });

  def({
    name: 'ConvertFrom-Json',
    className: 'Microsoft.PowerShell.Commands.ConvertFromJsonCommand',
    collectsPipeline: true,
    params: [{ name: 'InputObject', type: 'object', position: 0, mandatory: true, pipeline: true }],
    run: (call) => {
      const texts = enumerate(call.params.InputObject).map(toStr);
      const convert = (text: string) => {
        if (text.trim() === '') return;
        const value = fromJson(text);
        // An array is written as one object (5.1 does not enumerate it).
        call.output(value);
      };
      try {
        if (texts.length === 1) convert(texts[0]!);
        else {
          // Several strings: each on its own when the first is JSON by itself, otherwise all as one text.
          let firstAlone = true;
          try {
            fromJson(texts[0] ?? '');
          } catch {
            firstAlone = false;
          }
          if (firstAlone) for (const t of texts) convert(t);
          else convert(texts.join('\r\n'));
        }
      } catch (e) {
        if (!(e instanceof JsonTextError)) throw e;
        call.fail({
          message: e.message,
          category: 'ParserError',
          reason: 'ArgumentException',
          errorId: 'System.ArgumentException',
        });
      }
    },
  });

  def({
    name: 'Set-Item',
    className: 'Microsoft.PowerShell.Commands.SetItemCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'Value', type: 'object', position: 1, pipeline: true },
      { name: 'Force', type: 'switch' },
      { name: 'PassThru', type: 'switch' },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider !== 'env')
        call.fail({
          message: 'Provider operation stopped because the provider does not support this operation.',
          category: 'NotImplemented',
          targetName: p.raw,
          reason: 'PSNotSupportedException',
          errorId: 'NotSupported',
        });
      const value = toStr(call.params.Value);
      // As Environment.SetEnvironmentVariable: an empty value removes the variable.
      if (value === '') s.env.delete(p.full.toLowerCase());
      else s.env.set(p.full.toLowerCase(), { name: s.env.get(p.full.toLowerCase())?.name ?? p.full, value });
    },
  });

  def({
    name: 'Remove-Variable',
    className: 'Microsoft.PowerShell.Commands.RemoveVariableCommand',
    params: [
      { name: 'Name', type: 'string[]', position: 0, mandatory: true },
      { name: 'Scope', type: 'string' },
      { name: 'Force', type: 'switch' },
    ],
    run: (call) => {
      const vars = call.interp.vars;
      for (const name of call.params.Name as string[]) {
        const lower = name.toLowerCase();
        const isPattern = /[*?[]/.test(name);
        const hits = isPattern
          ? [...vars.keys()].filter((k) => wildcard(name).test(k))
          : vars.has(lower)
            ? [lower]
            : [];
        if (!hits.length && !isPattern) {
          call.writeError({
            message: `Cannot find a variable with the name '${name}'.`,
            category: 'ObjectNotFound',
            targetName: name,
            reason: 'ItemNotFoundException',
            errorId: 'VariableNotFound',
          });
          continue;
        }
        for (const k of hits) {
          if (CONSTANT_VARIABLES.has(k)) {
            call.writeError({
              message: `Cannot remove variable ${name} because it is constant or read-only. If the variable is read-only, try the operation again specifying the Force option.`,
              category: 'WriteError',
              targetName: name,
              reason: 'SessionStateUnauthorizedAccessException',
              errorId: 'VariableNotRemovable',
            });
            continue;
          }
          vars.delete(k);
        }
      }
    },
  });
}
