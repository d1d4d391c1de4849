import { PveError } from './errors.ts';

/** A Proxmox task id: `UPID:node:pid:pstart:starttime:type:id:user:`. */
export interface Upid {
  readonly upid: string;
  readonly node: string;
  readonly pid: number;
  readonly startTime: number;
  readonly type: string;
  readonly id: string;
  readonly user: string;
}

const UPID =
  /^UPID:([a-zA-Z0-9][a-zA-Z0-9.-]*):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

export function parseUpid(upid: string): Upid {
  const m = UPID.exec(upid);
  if (!m)
    throw new PveError(
      'PVE_BAD_RESPONSE',
      `'${upid}' is not a task id (UPID:node:pid:pstart:starttime:type:id:user:)`,
    );
  return {
    upid,
    node: m[1]!,
    pid: Number.parseInt(m[2]!, 16),
    startTime: Number.parseInt(m[4]!, 16),
    type: m[5]!,
    id: m[6]!,
    user: m[7]!,
  };
}

export function isUpid(value: unknown): value is string {
  return typeof value === 'string' && UPID.test(value);
}
