import { inspect } from 'node:util';

/**
 * Colour for the CLI's output, decided per stream as the tools operators know
 * decide it (https://no-color.org, FORCE_COLOR as in Node and chalk):
 * `NO_COLOR` set to anything non-empty turns it off; `FORCE_COLOR` turns it
 * on (`0` or `false` off) even when piped; otherwise a terminal gets colour
 * unless it is `TERM=dumb`, and a pipe or a file never does.
 */
export function colourWanted(
  stream: { readonly isTTY?: boolean } | undefined,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return Boolean(stream?.isTTY) && env.TERM !== 'dumb';
}

type Paint = (text: string) => string;

/** What a line means, not which colour it has: the palette picks the colour. */
export interface Palette {
  readonly added: Paint;
  readonly removed: Paint;
  readonly changed: Paint;
  readonly replaced: Paint;
  readonly ok: Paint;
  readonly failed: Paint;
  readonly warning: Paint;
  readonly danger: Paint;
  readonly dim: Paint;
  readonly bold: Paint;
}

const same: Paint = (text) => text;

/** No colour: pipes, files, NO_COLOR, and every test that does not ask for colour. */
export const PLAIN: Palette = {
  added: same,
  removed: same,
  changed: same,
  replaced: same,
  ok: same,
  failed: same,
  warning: same,
  danger: same,
  dim: same,
  bold: same,
};

/**
 * SGR sequences from Node's own table (util.inspect.colors), written directly: util.styleText
 * decides by itself whether to colour, differently from one Node version to the next, and the
 * decision here is colourWanted's.
 */
const style =
  (...names: string[]): Paint =>
  (text) =>
    text === ''
      ? text
      : names.reduceRight<string>((inner, name) => {
          const [open, close] = inspect.colors[name]!;
          return `\u001b[${open}m${inner}\u001b[${close}m`;
        }, text);

export const COLOURED: Palette = {
  added: style('green'),
  removed: style('red'),
  changed: style('yellow'),
  replaced: style('magenta'),
  ok: style('green'),
  failed: style('red'),
  warning: style('yellow'),
  danger: style('bold', 'red'),
  dim: style('dim'),
  bold: style('bold'),
};

export function paletteFor(coloured: boolean): Palette {
  return coloured ? COLOURED : PLAIN;
}

/** Strips the SGR colour sequences a palette adds (for widths and for tests). */
export function stripColour(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the sequences being removed.
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
