import { RenderError } from './render-errors.ts';

/** Input checks shared by the renderers: each throws naming the field and the bad value. */

export function requireIpv4(field: string, value: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (!m || m.slice(1).some((p) => Number(p) > 255))
    throw invalidInput(`${field}: '${value}' is not an IPv4 address`);
  return value;
}

export function requireCidr(field: string, value: string): string {
  const [ip, len, extra] = value.split('/');
  if (
    ip === undefined ||
    len === undefined ||
    extra !== undefined ||
    !/^\d{1,2}$/.test(len) ||
    Number(len) > 32
  ) {
    throw invalidInput(`${field}: '${value}' is not a CIDR block (a.b.c.d/n)`);
  }
  requireIpv4(field, ip);
  return value;
}

export function requirePrefix(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 32)
    throw invalidInput(`${field}: ${value} is not a prefix length 0..32`);
  return value;
}

export function requirePort(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65_535)
    throw invalidInput(`${field}: ${value} is not a port 1..65535`);
  return value;
}

/** `any`, a port, or a range `a-b` (pfSense writes ranges as `a:b`). */
export function requirePortSpec(field: string, value: string): string {
  if (value === 'any') return value;
  const m = /^(\d{1,5})(?:[-:](\d{1,5}))?$/.exec(value);
  if (
    !m ||
    Number(m[1]) < 1 ||
    Number(m[1]) > 65_535 ||
    (m[2] && (Number(m[2]) > 65_535 || Number(m[2]) < Number(m[1])))
  ) {
    throw invalidInput(`${field}: '${value}' is not a port, a range a-b, or any`);
  }
  return value;
}

export function requireName(field: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw invalidInput(`${field}: '${value}' is not ${what}`);
  return value;
}

/** The renderers' one refusal: a field's value the output format cannot hold (the message says what it must be). */
function invalidInput(message: string): RenderError {
  return new RenderError('RENDER_INVALID_INPUT', message);
}
