import { editDistance } from '../../core/private/closest-name.ts';
import { CliError } from '../errors.ts';
import { COMMAND_HELP } from './command-help.ts';

/**
 * Checks a command's arguments against its options before Node's parser sees them, so that a
 * mistake is told in pvecdk's words with the closest option (Node's parser would say only
 * "Unknown option"). True when the arguments ask for the command's help (`--help`, `-h`).
 */
export function wantsHelpAfterCheck(command: string, args: readonly string[]): boolean {
  const options = COMMAND_HELP[command]!.options;
  const byName = new Map(options.map((o) => [o.name, o]));
  const seeHelp = `see \`pvecdk ${command} --help\``;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') continue;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq > 0 ? eq : undefined) : arg.slice(1);
    const option = arg.startsWith('--') ? byName.get(name) : undefined;
    if (!option) {
      const names = options.filter((o) => !o.hidden).map((o) => o.name);
      const near = closest(name, names);
      throw new CliError(
        'CLI_USAGE',
        `unknown option '${arg.slice(0, eq > 0 ? eq : undefined)}' for ${command}`,
        near
          ? `did you mean --${near}? ${seeHelp}`
          : names.length
            ? `${command} takes ${names.map((n) => `--${n}`).join(', ')}; ${seeHelp}`
            : `${command} takes no options; ${seeHelp}`,
      );
    }
    if (!option.value) {
      if (eq > 0) throw new CliError('CLI_USAGE', `--${name} takes no value, got '${arg}'`, seeHelp);
      continue;
    }
    if (eq > 0) continue;
    const value = args[i + 1];
    if (value === undefined || (value.startsWith('-') && value !== '-' && !/^-\d/.test(value))) {
      throw new CliError(
        'CLI_USAGE',
        `--${name} needs a value: --${name} ${option.value}`,
        `use --${name}=VALUE for a value that starts with '-'; ${seeHelp}`,
      );
    }
    i++;
  }
  return help;
}

/** The candidate nearest to `word` by edit distance, when near enough to be a slip, or a prefix. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = name.startsWith(w) && w.length >= 3 ? 1 : editDistance(w, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(w.length / 3)) ? best.name : undefined;
}
