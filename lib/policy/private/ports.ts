/** Does a port expression (`3389`, `3000-4000`, `any`, `80,443`, empty) include `port`? */
export function portSpecIncludes(spec: unknown, port: number): boolean {
  if (spec === undefined || spec === null) return true;
  const text = String(spec).trim().toLowerCase();
  if (text === '' || text === 'any' || text === '*') return true;
  return text.split(/[,\s]+/).some((part) => {
    const range = /^(\d+)[-:](\d+)$/.exec(part);
    if (range) return Number(range[1]) <= port && port <= Number(range[2]);
    return Number(part) === port;
  });
}

/** Does a protocol (`tcp`, `tcp/udp`, `any`, empty) carry TCP? */
export function protocolIncludesTcp(protocol: unknown): boolean {
  if (protocol === undefined || protocol === null) return true;
  const text = String(protocol).toLowerCase();
  return text === '' || text === 'any' || text.split(/[/,]/).includes('tcp');
}
