import type { PsErrorRecord } from './powershell-interpreter.ts';
import { positionOf } from './powershell-parser.ts';
import { PsHashtable, PsObject, toStr } from './powershell-values.ts';

/** Formats an ErrorRecord the way Windows PowerShell 5.1 writes it to a redirected stderr. */
export function formatErrorRecord(script: string, record: PsErrorRecord): string[] {
  const lines: string[] = [];
  // A script that does not parse shows where first; a cmdlet's ParserError (ConvertFrom-Json) is a cmdlet error.
  const parse = record.category === 'ParserError' && !record.commandName;
  const head = record.commandName ? `${record.commandName} : ${record.message}` : record.message;
  if (!parse) lines.push(...head.split('\n'));
  if (record.extent) {
    const pos = positionOf(script, record.extent.start);
    const lineEnd = record.extent.start - pos.col + 1 + pos.text.length;
    const length = Math.max(1, Math.min(record.extent.end, lineEnd) - record.extent.start);
    lines.push(`At line:${pos.line} char:${pos.col}`);
    lines.push(`+ ${pos.text}`);
    lines.push(`+ ${' '.repeat(pos.col - 1)}${'~'.repeat(length)}`);
  }
  if (parse) lines.push(...head.split('\n'));
  lines.push(
    `    + CategoryInfo          : ${record.category}: (${record.targetName}:${record.targetType}) [${record.activity}], ${record.reason}`,
  );
  lines.push(`    + FullyQualifiedErrorId : ${record.fullyQualifiedErrorId}`);
  lines.push(' ');
  return lines;
}

/** Default text formatting of an output object: strings as they are, objects as a property list. */
export function formatForOutput(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (typeof v === 'string') return v.split(/\r?\n/);
  if (typeof v === 'number' || typeof v === 'boolean') return [toStr(v)];
  if (v instanceof PsObject) {
    if (v.text && v.props.size === 0) return [v.text()];
    const props = [...v.props.values()];
    const width = Math.max(0, ...props.map((p) => p.name.length));
    return ['', ...props.map((p) => `${p.name.padEnd(width)} : ${toStr(p.value)}`), ''];
  }
  if (v instanceof PsHashtable) {
    const rows = v.entries();
    const width = Math.max(4, ...rows.map(([k]) => toStr(k).length));
    return [
      '',
      `${'Name'.padEnd(width)} Value`,
      `${'----'.padEnd(width)} -----`,
      ...rows.map(([k, val]) => `${toStr(k).padEnd(width)} ${toStr(val)}`),
      '',
    ];
  }
  return [toStr(v)];
}
