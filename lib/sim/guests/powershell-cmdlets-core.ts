import type { CmdletContext } from './powershell-cmdlet-context.ts';
import {
  collapse,
  enumerate,
  PsObject,
  PsScriptBlock,
  psCompare,
  psEquals,
  toBool,
  toStr,
} from './powershell-values.ts';

/** Strict mode, the pipeline cmdlets (ForEach-Object, Where-Object, Out-*, Write-*), Compare-Object, Start-Sleep. */
export function coreCmdlets(c: CmdletContext): void {
  const { def } = c;
  // ---- core ------------------------------------------------------------------

  def({
    name: 'Set-StrictMode',
    className: 'Microsoft.PowerShell.Commands.SetStrictModeCommand',
    params: [
      { name: 'Version', type: 'string', aliases: ['v'] },
      { name: 'Off', type: 'switch' },
    ],
    run: (call) => {
      if (call.params.Off) {
        call.interp.strictVersion = 0;
        return;
      }
      const v = toStr(call.params.Version ?? '');
      if (v.toLowerCase() === 'latest') call.interp.strictVersion = 3;
      else if (/^\d+(\.\d+)?$/.test(v) && Number(v) >= 1 && Number(v) <= 3)
        call.interp.strictVersion = Math.floor(Number(v));
      else
        call.fail({
          message: `Cannot validate argument on parameter 'Version'. The ${v} version is not valid. Specify a valid version, such as "1.0", "2.0", "3.0" or "Latest".`,
          category: 'InvalidData',
          reason: 'ParameterBindingValidationException',
          errorId: 'ParameterArgumentValidationError',
        });
    },
  });

  def({
    name: 'ForEach-Object',
    className: 'Microsoft.PowerShell.Commands.ForEachObjectCommand',
    perItem: true,
    params: [
      { name: 'Process', type: 'scriptblock', position: 0 },
      { name: 'InputObject', type: 'object', pipeline: true },
      { name: 'MemberName', type: 'string' },
    ],
    run: (call) => {
      const item = call.params.InputObject;
      if (call.params.Process instanceof PsScriptBlock) {
        for (const v of call.interp.invokeScriptBlock(call.params.Process, item)) call.output(v);
      } else if (call.params.MemberName !== undefined) {
        call.output(call.interp.getMember(item, toStr(call.params.MemberName), call.extent));
      }
    },
  });

  def({
    name: 'Where-Object',
    className: 'Microsoft.PowerShell.Commands.WhereObjectCommand',
    perItem: true,
    params: [
      { name: 'FilterScript', type: 'scriptblock', position: 0 },
      { name: 'InputObject', type: 'object', pipeline: true },
    ],
    run: (call) => {
      const item = call.params.InputObject;
      if (
        call.params.FilterScript instanceof PsScriptBlock &&
        toBool(collapse(call.interp.invokeScriptBlock(call.params.FilterScript, item)))
      )
        call.output(item);
    },
  });

  // ---- utility -----------------------------------------------------------------

  def({
    name: 'Out-Null',
    className: 'Microsoft.PowerShell.Commands.OutNullCommand',
    params: [{ name: 'InputObject', type: 'object', pipeline: true }],
    run: () => {},
  });

  // Out-String: the input as one string, each object on its own line with a final line ending. Objects
  // show their ToString() (an ErrorRecord its message), not PowerShell's table or list formatting.
  def({
    name: 'Out-String',
    className: 'Microsoft.PowerShell.Commands.OutStringCommand',
    params: [
      { name: 'InputObject', type: 'object', pipeline: true },
      { name: 'Width', type: 'int' },
      { name: 'Stream', type: 'switch' },
    ],
    run: (call) => {
      const lines = enumerate(call.params.InputObject).map(toStr);
      if (call.params.Stream) for (const l of lines) call.output(l);
      else call.output(lines.length ? `${lines.join('\r\n')}\r\n` : '');
    },
  });

  def({
    name: 'Write-Output',
    className: 'Microsoft.PowerShell.Commands.WriteOutputCommand',
    params: [
      { name: 'InputObject', type: 'object', position: 0, pipeline: true, remaining: true },
      { name: 'NoEnumerate', type: 'switch' },
    ],
    run: (call) => {
      for (const v of enumerate(call.params.InputObject)) call.output(v);
    },
  });

  def({
    name: 'Write-Host',
    className: 'Microsoft.PowerShell.Commands.WriteHostCommand',
    params: [
      { name: 'Object', type: 'object', position: 0, remaining: true, pipeline: true },
      { name: 'NoNewline', type: 'switch' },
      { name: 'ForegroundColor', type: 'string' },
      { name: 'BackgroundColor', type: 'string' },
      { name: 'Separator', type: 'string' },
    ],
    run: (call) => {
      // Host output reaches stdout in a redirected powershell.exe.
      call.interp.host.writeOut(
        enumerate(call.params.Object)
          .map(toStr)
          .join(toStr(call.params.Separator ?? ' ')),
      );
    },
  });

  def({
    name: 'Write-Error',
    className: 'Microsoft.PowerShell.Commands.WriteErrorCommand',
    params: [
      { name: 'Message', type: 'string', position: 0 },
      { name: 'Category', type: 'string' },
      { name: 'ErrorId', type: 'string' },
    ],
    run: (call) =>
      call.writeError({
        message: toStr(call.params.Message),
        category: toStr(call.params.Category ?? 'NotSpecified'),
        reason: 'WriteErrorException',
        errorId: toStr(call.params.ErrorId ?? 'Microsoft.PowerShell.Commands.WriteErrorException'),
      }),
  });

  def({
    name: 'Sort-Object',
    className: 'Microsoft.PowerShell.Commands.SortObjectCommand',
    collectsPipeline: true,
    params: [
      { name: 'Property', type: 'object[]', position: 0 },
      { name: 'InputObject', type: 'object', pipeline: true },
      { name: 'Descending', type: 'switch' },
      { name: 'Unique', type: 'switch' },
      { name: 'CaseSensitive', type: 'switch' },
    ],
    run: (call) => {
      // Piped objects are sorted together; an argument (-InputObject) is one object, as in 5.1.
      const items = call.pipelined ? enumerate(call.params.InputObject) : [call.params.InputObject];
      const caseSensitive = call.params.CaseSensitive === true;
      const keys = call.bound.has('Property') ? enumerate(call.params.Property) : [];
      const keyOf = (item: unknown, k: unknown): unknown =>
        k instanceof PsScriptBlock
          ? collapse(call.interp.invokeScriptBlock(k, item))
          : call.interp.getMember(item, toStr(k), call.extent);
      const compare = (a: unknown, b: unknown): number => {
        for (const k of keys.length ? keys : [undefined]) {
          const x = k === undefined ? a : keyOf(a, k);
          const y = k === undefined ? b : keyOf(b, k);
          const c = x === null ? (y === null ? 0 : -1) : y === null ? 1 : psCompare(x, y, caseSensitive);
          if (c !== 0) return c;
        }
        return 0;
      };
      // A stable sort, as Sort-Object keeps the input order of equal objects.
      const sorted = items.map((v, i) => ({ v, i })).sort((a, b) => compare(a.v, b.v) || a.i - b.i);
      if (call.params.Descending) sorted.sort((a, b) => compare(b.v, a.v) || a.i - b.i);
      const out: unknown[] = [];
      for (const { v } of sorted) {
        if (call.params.Unique && out.some((o) => compare(o, v) === 0)) continue;
        out.push(v);
      }
      for (const v of out) call.output(v);
    },
  });

  def({
    name: 'Compare-Object',
    className: 'Microsoft.PowerShell.Commands.CompareObjectCommand',
    params: [
      { name: 'ReferenceObject', type: 'object[]', position: 0, mandatory: true },
      { name: 'DifferenceObject', type: 'object[]', position: 1, mandatory: true, pipeline: true },
      { name: 'IncludeEqual', type: 'switch' },
      { name: 'ExcludeDifferent', type: 'switch' },
      { name: 'CaseSensitive', type: 'switch' },
      { name: 'PassThru', type: 'switch' },
    ],
    run: (call) => {
      const ref = enumerate(call.params.ReferenceObject);
      const diff = enumerate(call.params.DifferenceObject).flatMap((d) => enumerate(d));
      const cs = Boolean(call.params.CaseSensitive);
      const result = (v: unknown, side: string) =>
        call.params.PassThru
          ? v
          : new PsObject('System.Management.Automation.PSCustomObject', {
              InputObject: v,
              SideIndicator: side,
            });
      const usedRef = new Set<number>();
      const onlyDiff: unknown[] = [];
      const equal: unknown[] = [];
      for (const d of diff) {
        const i = ref.findIndex((r, idx) => !usedRef.has(idx) && psEquals(r, d, cs));
        if (i >= 0) {
          usedRef.add(i);
          equal.push(d);
        } else onlyDiff.push(d);
      }
      if (call.params.IncludeEqual) for (const e of equal) call.output(result(e, '=='));
      if (!call.params.ExcludeDifferent) {
        for (const d of onlyDiff) call.output(result(d, '=>'));
        ref.forEach((r, i) => {
          if (!usedRef.has(i)) call.output(result(r, '<='));
        });
      }
    },
  });

  def({
    name: 'Start-Sleep',
    className: 'Microsoft.PowerShell.Commands.StartSleepCommand',
    params: [
      { name: 'Seconds', type: 'int', position: 0, aliases: ['s'] },
      { name: 'Milliseconds', type: 'int', aliases: ['m'] },
    ],
    run: () => {},
  });

  def({
    name: 'Write-Warning',
    className: 'Microsoft.PowerShell.Commands.WriteWarningCommand',
    params: [{ name: 'Message', type: 'string', position: 0, mandatory: true, pipeline: true }],
    run: (call) => {
      const host = call.interp.host as typeof call.interp.host & { writeWarning?: (text: string) => void };
      host.writeWarning?.(toStr(enumerate(call.params.Message)[0]));
    },
  });

  def({
    name: 'Write-Verbose',
    className: 'Microsoft.PowerShell.Commands.WriteVerboseCommand',
    params: [{ name: 'Message', type: 'string', position: 0, mandatory: true, pipeline: true }],
    run: () => {},
  });
}
