/** Absolute paths of the source files on the current call stack, innermost first. */
export function callerFiles(): string[] {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const trace = new Error().stack ?? '';
  Error.stackTraceLimit = saved;
  const files = new Set<string>();
  for (const line of trace.split('\n').slice(1)) {
    const m = /(?:\(|\s|file:\/\/)(\/[^():]+):\d+:\d+\)?$/.exec(line.trim());
    if (m?.[1]) files.add(m[1]);
  }
  return [...files];
}
