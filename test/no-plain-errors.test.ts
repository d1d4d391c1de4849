import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const LIB = new URL('../lib/', import.meta.url).pathname;

/**
 * Where lib may still make a plain Error, RangeError or TypeError, how many
 * times, and why. Every other error pvecdk raises has a code from its family
 * (docs/errors.md). A count that drops must be lowered here too, so the list
 * only ever shrinks.
 */
const PLAIN_ERRORS_ALLOWED: Record<string, { count: number; reason: string }> = {
  'core/private/caller-files.ts': {
    count: 1,
    reason: '`new Error().stack` reads where a stack was created; nothing is thrown',
  },
  'engine/handlers/handler-errors.ts': {
    count: 1,
    reason:
      'gives an error that has no code (a file system error) the resource path and a hint; there is no code to give it',
  },
  'engine/handlers/access-handlers.ts': {
    count: 1,
    reason:
      'keepingSecret re-makes an error that has no code with the secret masked out of its message; there is no code to give it',
  },
  'engine/deploy.ts': {
    count: 1,
    reason:
      'marks a stack that did not deploy so the stack walk skips its dependants; never leaves deployStacks',
  },
  'contract/schema-walk.ts': {
    count: 1,
    reason:
      'a contract written with a zod construct the walker does not read: a pvecdk bug the contract tests catch; the contract layer sits below the error families',
  },
  'sim/server.ts': {
    count: 1,
    reason: "the emulator's close() fails the test that made it send answers its schema forbids",
  },
  'ssh/ssh-connect.ts': {
    count: 2,
    reason: 'raw causes handed to classify(), which turns each into an SshError',
  },
  'ssh/sftp-transfer.ts': {
    count: 1,
    reason: 'a raw cause handed to transferError(), which makes it SSH_DISCONNECTED',
  },
  'sim/guests/powershell-values.ts': {
    count: 1,
    reason:
      "PowerShell's own comparison failure inside an emulated guest; the interpreter writes it to the guest's stderr",
  },
  'sim/task-runner.ts': {
    count: 1,
    reason:
      "workerDie, Proxmox's `die` in an emulated worker (every task kind throws it): its text becomes the task's exit status",
  },
  'assertions/template.ts': {
    count: 2,
    reason: 'a template that cannot be read fails the test it runs in; a code adds nothing there',
  },
  'assertions/capture.ts': {
    count: 4,
    reason: 'a misused Capture fails the test it runs in; a code adds nothing there',
  },
};

/** Error classes not made with defineErrorFamily, and why. */
const ERROR_CLASSES_ALLOWED: Record<string, string> = {
  'core/error-family.ts': 'PvecdkError, the base of every family',
  'sim/guests/guest-fs-records.ts':
    "GuestFsError: an emulated guest's own failure signal (errno, exit, parse or runtime error) that its shell turns into the guest's stderr and exit code, never a pvecdk error",
  'sim/guests/powershell-interpreter.ts':
    "PsRuntimeError, DotNetException: an emulated guest's own failure signal (errno, exit, parse or runtime error) that its shell turns into the guest's stderr and exit code, never a pvecdk error",
  'sim/guests/powershell-parser.ts':
    "PsParseError: an emulated guest's own failure signal (errno, exit, parse or runtime error) that its shell turns into the guest's stderr and exit code, never a pvecdk error",
  'sim/guests/sh-dialect.ts':
    "BreakLoop: an emulated guest's own failure signal (errno, exit, parse or runtime error) that its shell turns into the guest's stderr and exit code, never a pvecdk error",
  'sim/guests/sh-expansion.ts':
    "ExpansionError: an emulated guest's own failure signal (errno, exit, parse or runtime error) that its shell turns into the guest's stderr and exit code, never a pvecdk error",
  'sim/guests/sh-ast.ts':
    "ShSyntaxError: an emulated guest's own failure signal (errno, exit, parse or runtime error) that its shell turns into the guest's stderr and exit code, never a pvecdk error",
  'sim/guests/sh-builtins.ts':
    "TestError: an emulated guest's own failure signal (errno, exit, parse or runtime error) that its shell turns into the guest's stderr and exit code, never a pvecdk error",
  'sim/guests/sh-file-tools.ts':
    "CopyError: an emulated guest's own failure signal (errno, exit, parse or runtime error) that its shell turns into the guest's stderr and exit code, never a pvecdk error",
  'sim/guests/sh-process.ts':
    "ShExit: an emulated guest's own failure signal (errno, exit, parse or runtime error) that its shell turns into the guest's stderr and exit code, never a pvecdk error",
  'sim/guests/shell-link.ts':
    "ShellLinkFormatError: an emulated guest's own failure signal (errno, exit, parse or runtime error) that its shell turns into the guest's stderr and exit code, never a pvecdk error",
  'sim/emulator-error.ts':
    "EmulatorHttpError, the emulated Proxmox's HTTP answer (status and reason), not a pvecdk error",
  'engine/deploy.ts':
    'RunStopped carries a refusal out of the stack walk to deployStacks, which throws the refusal itself',
  'ssh/ssh-connect.ts':
    'AttemptError carries one connection attempt to the retry loop, which never lets it out',
  'cli/commands/confirm.ts': 'Declined: the operator answered no; the command prints it and exits 1',
  'assertions/template.ts': 'TemplateAssertionError fails the test it runs in',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const sources = filesUnder(LIB).map((file) => ({
  file: relative(LIB, file),
  text: readFileSync(file, 'utf8'),
}));

describe('no plain errors in lib', () => {
  it('GIVEN every file under lib WHEN plain Error, RangeError and TypeError are counted THEN only the allowed files have them, as often as allowed', () => {
    const found: Record<string, number> = {};
    for (const { file, text } of sources) {
      const count = [...text.matchAll(/\b(?:new|throw)\s+(?:Error|RangeError|TypeError)\(/g)].length;
      if (count > 0) found[file] = count;
    }
    const allowed = Object.fromEntries(Object.entries(PLAIN_ERRORS_ALLOWED).map(([f, a]) => [f, a.count]));
    expect(found).toEqual(allowed);
  });

  it('GIVEN every file under lib WHEN classes extending Error are listed THEN only the allowed ones exist; families use defineErrorFamily', () => {
    const found = sources
      .filter(({ text }) => /\bextends\s+(?:Error|RangeError|TypeError)\b/.test(text))
      .map(({ file }) => file)
      .sort();
    expect(found).toEqual(Object.keys(ERROR_CLASSES_ALLOWED).sort());
  });
});
