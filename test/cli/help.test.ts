import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND_HELP, formatCommandHelp } from '../../lib/cli/help/command-help.ts';
import { closest } from '../../lib/cli/help/option-check.ts';
import { main } from '../../lib/cli/main.ts';
import { USAGE } from '../../lib/cli/usage.ts';
import { captureIo } from './cli-io.ts';

const run = async (...argv: string[]) => {
  const io = captureIo(process.cwd());
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
};

describe('CLI help', () => {
  for (const command of Object.keys(COMMAND_HELP)) {
    it(`GIVEN \`pvecdk ${command} --help\`, \`-h\` and \`pvecdk help ${command}\` WHEN run THEN each prints that command's usage, options and examples and exits 0`, async () => {
      const outputs = [];
      for (const argv of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
      ]) {
        const r = await run(...argv);
        expect(r.code, argv.join(' ')).toBe(0);
        expect(r.err).toBe('');
        outputs.push(r.out);
      }
      expect(new Set(outputs).size).toBe(1);
      const text = outputs[0]!;
      expect(text).toBe(formatCommandHelp(command));
      expect(text).toContain(`pvecdk ${command}`);
      expect(text).toContain('Usage:');
      expect(text).toContain('Examples:');
      for (const o of COMMAND_HELP[command]!.options.filter((o) => !o.hidden))
        expect(text).toContain(`--${o.name}`);
    });
  }

  it('GIVEN --help after a stack file and other options WHEN run THEN it prints the help and does nothing else', async () => {
    const r = await run('deploy', 'stacks/does-not-exist.ts', '--yes', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toBe(formatCommandHelp('deploy'));
  });

  it('GIVEN `pvecdk help` or `--help` WHEN run THEN the overview prints with exit 0; bare `pvecdk` exits 2', async () => {
    expect(await run('help')).toEqual({ code: 0, out: USAGE, err: '' });
    expect(await run('--help')).toEqual({ code: 0, out: USAGE, err: '' });
    expect((await run()).code).toBe(2);
  });

  it('GIVEN every command main.ts dispatches WHEN its help table is looked up THEN it is there (a command missing from it would be refused as unknown)', () => {
    const source = readFileSync(new URL('../../lib/cli/main.ts', import.meta.url), 'utf8');
    const cases = [...source.matchAll(/^\s+case '([a-z-]+)':/gm)].map((m) => m[1]!);
    const meta = ['help', '--help', '-h', 'version', '--version'];
    expect(cases.filter((c) => !meta.includes(c) && !(c in COMMAND_HELP))).toEqual([]);
    expect(cases.length).toBeGreaterThan(5);
  });

  it('GIVEN the overview WHEN each command line of it is read THEN every option it shows is one the command accepts', () => {
    const lines = USAGE.split('\n');
    for (const [command, help] of Object.entries(COMMAND_HELP)) {
      const start = lines.findIndex((l) => l.startsWith(`  pvecdk ${command} `));
      expect(start, command).toBeGreaterThanOrEqual(0);
      // A command's usage goes on over the more indented lines below it.
      const block = [lines[start]!];
      for (const l of lines.slice(start + 1)) {
        if (!/^ {6,}\[/.test(l)) break;
        block.push(l);
      }
      const shown = [...block.join(' ').matchAll(/--([a-z-]+)/g)].map((m) => m[1]!);
      const accepted = help.options.map((o) => o.name);
      expect(
        shown.filter((name) => !accepted.includes(name)),
        command,
      ).toEqual([]);
    }
  });
});

describe('CLI mistakes', () => {
  it('GIVEN a misspelt option WHEN run THEN exit 2 naming it and the closest option, no Node parser message', async () => {
    const r = await run('deploy', 'stacks/acme.ts', '--concurency', '2');
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "error CLI_USAGE: unknown option '--concurency' for deploy\n  hint: did you mean --concurrency? see `pvecdk deploy --help`",
    );
  });

  it('GIVEN an option of another command WHEN run THEN exit 2 listing what the command takes', async () => {
    const r = await run('synth', 'stacks/acme.ts', '--allow-destroy-data');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--allow-destroy-data' for synth");
    expect(r.err).toContain('synth takes --out, --all, --context, --frozen, --json, --debug');
    expect(r.err).not.toMatch(/ERR_PARSE_ARGS|Unknown option/);
  });

  it('GIVEN a short option pvecdk does not have WHEN run THEN the closest long option is suggested', async () => {
    const r = await run('destroy', 'stacks/acme.ts', '-y');
    expect(r.code).toBe(2);
    expect(r.err).toContain('did you mean --yes?');
  });

  it('GIVEN an option without its value or a flag with one WHEN run THEN exit 2 saying what it takes', async () => {
    const missing = await run('synth', 'stacks/acme.ts', '--out');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--out needs a value: --out DIR');
    const flag = await run('synth', 'stacks/acme.ts', '--json=yes');
    expect(flag.code).toBe(2);
    expect(flag.err).toContain("--json takes no value, got '--json=yes'");
  });

  it('GIVEN an option of sim misspelt WHEN run THEN it is caught before the emulator parses it', async () => {
    const r = await run('sim', '--prot', '0');
    expect(r.code).toBe(2);
    expect(r.err).toContain('did you mean --port?');
  });

  it('GIVEN a misspelt command, or help for one WHEN run THEN exit 2 with the closest command', async () => {
    const r = await run('deplyo', 'stacks/acme.ts');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'deplyo'");
    expect(r.err).toContain('did you mean `pvecdk deploy`?');
    const h = await run('help', 'dif');
    expect(h.code).toBe(2);
    expect(h.err).toContain('did you mean `pvecdk help diff`?');
  });

  it('GIVEN words far from every option WHEN the closest is looked for THEN none is suggested', () => {
    expect(closest('dry-run', ['out', 'remote', 'json'])).toBeUndefined();
    expect(closest('allow-destroy', ['allow-destroy-data', 'yes'])).toBe('allow-destroy-data');
    expect(closest('rmeote', ['out', 'remote'])).toBe('remote');
  });
});
