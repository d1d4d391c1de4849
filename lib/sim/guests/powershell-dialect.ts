import type { GuestFs } from './guest-fs.ts';
import { NOT_EMULATED, windowsCmdlets } from './powershell-cmdlets.ts';
import { type PsErrorRecord, type PsHost, PsInterpreter } from './powershell-interpreter.ts';
import type { ShStdin, Sink } from './sh-dialect.ts';
import type { WindowsState } from './windows-state.ts';

/**
 * What an `exec` on the Windows guest runs: Win32-OpenSSH hands the command
 * line to the default shell (cmd.exe unless `DefaultShell` says
 * powershell.exe), and `powershell[.exe] -NoProfile -NonInteractive
 * -ExecutionPolicy Bypass -EncodedCommand <base64 UTF-16LE>` runs the
 * decoded script in the emulated Windows PowerShell 5.1. As the real one
 * does without a terminal, errors (and warnings, and the module-loading
 * progress record) go to stderr as CLIXML (`#< CLIXML` then `<Objs ...>`);
 * with a pty they are plain text. Output lines end in CRLF.
 */

export interface WindowsExec {
  readonly fs: GuestFs;
  readonly windows: WindowsState;
  /** The logged-in account name, as created. */
  readonly userName: string;
  /** Variables the SSH client set and sshd accepted (AcceptEnv). */
  readonly sshEnv: Record<string, string>;
  readonly stdin: ShStdin;
  readonly out: Sink;
  readonly err: Sink;
  /** A pty was requested: errors print as text instead of CLIXML. */
  readonly pty: boolean;
}

const CLIXML_NS = 'http://schemas.microsoft.com/powershell/2004/04';

/** CLIXML string encoding: XML escapes, control characters and look-alike escapes as _xHHHH_. */
export function clixmlEscape(text: string): string {
  return text
    .replace(/_(x[0-9A-Fa-f]{4}_)/g, '_x005F_$1')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\s\S]/g, (c) =>
      c.charCodeAt(0) >= 0x20 ? c : `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`,
    );
}

/** The inverse, for tests and the engine's reading of stderr. */
export function clixmlUnescape(text: string): string {
  return text
    .replace(/_x([0-9A-Fa-f]{4})_/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** The text lines of a CLIXML stderr stream of a given stream name (`Error`, `warning`). */
export function clixmlLines(stderr: string, stream = 'Error'): string[] {
  const out: string[] = [];
  const re = new RegExp(`<S S="${stream}">([\\s\\S]*?)</S>`, 'g');
  for (const m of stderr.matchAll(re)) out.push(clixmlUnescape(m[1]!).replace(/\r?\n$/, ''));
  return out;
}

const PROGRESS_RECORD =
  '<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>';

/** Splits a command line the way CommandLineToArgvW does (double quotes group, `\"` is a quote). */
export function windowsArgv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuotes = false;
  let any = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') {
      let n = 0;
      while (line[i + n] === '\\') n++;
      if (line[i + n] === '"') {
        cur += '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 1) cur += '"';
        else inQuotes = !inQuotes;
        i += n;
      } else {
        cur += '\\'.repeat(n);
        i += n - 1;
      }
      any = true;
      continue;
    }
    if (c === '"') {
      inQuotes = !inQuotes;
      any = true;
      continue;
    }
    if ((c === ' ' || c === '\t') && !inQuotes) {
      if (any) out.push(cur);
      cur = '';
      any = false;
      continue;
    }
    cur += c;
    any = true;
  }
  if (any) out.push(cur);
  return out;
}

function systemEnv(w: WindowsState, user: string): Array<[string, string]> {
  const profile = `C:\\Users\\${user}`;
  return [
    ['ALLUSERSPROFILE', 'C:\\ProgramData'],
    ['APPDATA', `${profile}\\AppData\\Roaming`],
    ['COMPUTERNAME', w.computerName],
    ['ComSpec', 'C:\\Windows\\system32\\cmd.exe'],
    ['HOMEDRIVE', 'C:'],
    ['HOMEPATH', `\\Users\\${user}`],
    ['LOCALAPPDATA', `${profile}\\AppData\\Local`],
    ['OS', 'Windows_NT'],
    [
      'Path',
      'C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\;C:\\Windows\\System32\\OpenSSH\\',
    ],
    ['PROCESSOR_ARCHITECTURE', 'AMD64'],
    ['ProgramData', 'C:\\ProgramData'],
    ['ProgramFiles', 'C:\\Program Files'],
    ['ProgramFiles(x86)', 'C:\\Program Files (x86)'],
    [
      'PSModulePath',
      'C:\\Program Files\\WindowsPowerShell\\Modules;C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules',
    ],
    ['PUBLIC', 'C:\\Users\\Public'],
    ['SystemDrive', 'C:'],
    ['SystemRoot', 'C:\\Windows'],
    ['TEMP', `${profile}\\AppData\\Local\\Temp`],
    ['TMP', `${profile}\\AppData\\Local\\Temp`],
    ['USERDOMAIN', w.computerName],
    ['USERNAME', user],
    ['USERPROFILE', profile],
    ['windir', 'C:\\Windows'],
  ];
}

interface PsArgs {
  script?: string;
  /** `-EncodedCommand` had a value that is not base64 of UTF-16LE. */
  badEncoding?: boolean;
  readStdin?: boolean;
  error?: string;
}

/** powershell.exe's own parameters: a name or an unambiguous prefix of it, as powershell.exe accepts. */
const SWITCHES = ['NoProfile', 'NoLogo', 'NonInteractive', 'NoExit', 'Mta', 'Sta'];
const WITH_VALUE = [
  'ExecutionPolicy',
  'InputFormat',
  'OutputFormat',
  'WindowStyle',
  'Version',
  'PSConsoleFile',
  'ConfigurationName',
];

function parsePowerShellArgs(args: string[]): PsArgs {
  const is = (a: string, name: string, min: number) => {
    const given = a.slice(1).toLowerCase();
    return given.length >= min && name.toLowerCase().startsWith(given);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!/^[-/]/.test(a)) return { script: args.slice(i).join(' ') };
    if (SWITCHES.some((n) => is(a, n, 3))) continue;
    if (WITH_VALUE.some((n) => is(a, n, 2)) || /^[-/](ep|ex|w|v|o|i)$/i.test(a)) {
      i++;
      continue;
    }
    if (is(a, 'EncodedCommand', 1) || /^[-/]ec$/i.test(a)) {
      const value = args[i + 1];
      if (value === undefined)
        return {
          error:
            'Cannot process the command because -EncodedCommand requires an argument. Specify a parameter of this type and try again.',
        };
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return { badEncoding: true };
      return { script: Buffer.from(value, 'base64').toString('utf16le') };
    }
    if (is(a, 'Command', 1)) {
      const rest = args.slice(i + 1);
      if (rest.length === 1 && rest[0] === '-') return { readStdin: true };
      return { script: rest.join(' ') };
    }
    if (is(a, 'File', 1))
      return { error: '-File is not supported by the pvecdk guest emulator; use -EncodedCommand.' };
    // An unknown parameter starts the command text, as powershell.exe treats it.
    return { script: args.slice(i).join(' ') };
  }
  return {};
}

/** Runs one `exec` command line on the Windows guest; returns the exit code. */
export async function runWindowsCommand(command: string, x: WindowsExec): Promise<number> {
  const w = x.windows;
  const defaultShell = (w.defaultShell ?? 'cmd.exe').toLowerCase();
  if (/powershell(\.exe)?$/.test(defaultShell)) {
    return runPowerShell({ script: command }, x);
  }
  // cmd.exe refuses a command line longer than 8191 characters (a long -EncodedCommand hits it).
  if (command.length > 8191) {
    x.err.write('The command line is too long.\r\n');
    return 1;
  }
  const argv = windowsArgv(command);
  const program = (argv[0] ?? '')
    .replace(/^.*[\\/]/, '')
    .toLowerCase()
    .replace(/\.exe$/, '');
  const crlf = (s: string) => x.out.write(`${s}\r\n`);
  switch (program) {
    case '':
      return 0;
    case 'powershell':
      return runPowerShell(parsePowerShellArgs(argv.slice(1)), x);
    case 'whoami':
      crlf(`${w.computerName.toLowerCase()}\\${x.userName.toLowerCase()}`);
      return 0;
    case 'hostname':
      crlf(w.computerName);
      return 0;
    case 'echo':
      crlf(command.replace(/^\s*echo\s?/i, ''));
      return 0;
    case 'exit':
      return Number(argv[1] ?? 0) || 0;
    default:
      if (NOT_EMULATED.has(program)) {
        x.err.write(`'${argv[0]}' exists on Windows but is not emulated by the pvecdk guest emulator.\r\n`);
        return 1;
      }
      x.err.write(
        `'${argv[0]}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n`,
      );
      return 9009;
  }
}

async function runPowerShell(args: PsArgs, x: WindowsExec): Promise<number> {
  if (args.error) {
    x.err.write(`${args.error}\r\n`);
    return 1;
  }
  if (args.badEncoding) {
    x.err.write(
      'Cannot process the command because the value specified with -EncodedCommand is not properly encoded. The value must be Base64 encoded.\r\n',
    );
    return 1;
  }
  let script = args.script;
  let stdinText = '';
  if (args.readStdin) {
    script = (await x.stdin.readAll()).toString('utf8');
  } else if (script !== undefined && /\[(system\.)?console\]::in\b|\$input\b/i.test(script)) {
    stdinText = (await x.stdin.readAll()).toString('utf8');
  }
  if (script === undefined) {
    // An interactive shell would start here; without a terminal it reads nothing and exits.
    return 0;
  }
  const env = new Map<string, { name: string; value: string }>();
  for (const [k, v] of systemEnv(x.windows, x.userName)) env.set(k.toLowerCase(), { name: k, value: v });
  for (const [k, v] of Object.entries(x.sshEnv)) env.set(k.toLowerCase(), { name: k, value: v });

  const stderrItems: string[] = [];
  let progress = false;
  const errText: string[] = [];
  const interp: PsInterpreter = new PsInterpreter(
    Object.assign(
      {
        cmdlets: windowsCmdlets({
          fs: x.fs,
          windows: x.windows,
          userName: x.userName,
          cwd: `C:\\Users\\${x.userName}`,
          env,
        }),
        notEmulated: NOT_EMULATED,
        env,
        stdin: stdinText,
        computerName: x.windows.computerName,
        userName: x.userName,
        writeOut: (line: string) => x.out.write(`${line}\r\n`),
        writeError: (record: PsErrorRecord) => {
          const lines = interp.formatError(record);
          if (x.pty) errText.push(...lines);
          else for (const l of lines) stderrItems.push(`<S S="Error">${clixmlEscape(`${l}\r\n`)}</S>`);
        },
        moduleLoaded: () => {
          // Windows PowerShell builds its module analysis cache once per profile, showing a progress record meanwhile.
          const cache = `C:\\Users\\${x.userName}\\AppData\\Local\\Microsoft\\Windows\\PowerShell\\ModuleAnalysisCache`;
          if (x.fs.exists(cache)) return;
          x.fs.mkdir(cache.slice(0, cache.lastIndexOf('\\')), { recursive: true });
          x.fs.writeFile(cache, Buffer.alloc(0));
          if (!x.pty) progress = true;
        },
        nativeCommand: (name: string) => {
          if (name === 'whoami')
            return [`${x.windows.computerName.toLowerCase()}\\${x.userName.toLowerCase()}`];
          if (name === 'hostname') return [x.windows.computerName];
          return undefined;
        },
      } satisfies PsHost,
      {
        writeWarning: (text: string) => {
          if (x.pty) errText.push(`WARNING: ${text}`);
          else stderrItems.push(`<S S="warning">${clixmlEscape(`${text}\r\n`)}</S>`);
        },
      },
    ),
  );
  const code = interp.run(script);
  if (x.pty) {
    if (errText.length) x.err.write(`${errText.join('\r\n')}\r\n`);
  } else if (stderrItems.length || progress) {
    x.err.write(
      `#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="${CLIXML_NS}">${progress ? PROGRESS_RECORD : ''}${stderrItems.join('')}</Objs>`,
    );
  }
  return code;
}
