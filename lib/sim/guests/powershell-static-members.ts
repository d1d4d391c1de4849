import { randomUUID } from 'node:crypto';
import { DotNetException, type PsInterpreter, PsRuntimeError } from './powershell-interpreter.ts';
import type { PsExtent } from './powershell-parser.ts';
import { PsParseError, parsePowerShell } from './powershell-parser.ts';
import {
  enumerate,
  PsHashtable,
  PsObject,
  PsScriptBlock,
  PsType,
  resolveTypeName,
  toNumber,
  toStr,
} from './powershell-values.ts';

/**
 * Static members of the .NET types the scripts use: `[Environment]`,
 * `[string]`, `[Math]`, `[Console]`, `[Convert]`, `[Text.Encoding]`, `[Guid]`.
 */

export function staticMember(
  ip: PsInterpreter,
  target: unknown,
  name: string,
  args: unknown[] | undefined,
  extent: PsExtent,
): unknown {
  if (!(target instanceof PsType))
    throw ip.runtimeError(
      `Unable to find type: the static member '${name}' needs a type.`,
      'InvalidOperation',
      'RuntimeException',
      'TypeNotFound',
      extent,
    );
  const type = resolveTypeName(target.name);
  const lower = name.toLowerCase();
  const call = (f: () => unknown) => {
    try {
      return f();
    } catch (err) {
      if (err instanceof DotNetException) {
        throw new PsRuntimeError({
          message: `Exception calling "${name}" with "${args?.length ?? 0}" argument(s): "${err.message}"`,
          category: 'NotSpecified',
          targetName: '',
          targetType: '',
          activity: '',
          reason: 'MethodInvocationException',
          fullyQualifiedErrorId: err.typeName,
          extent,
        });
      }
      throw err;
    }
  };
  const host = ip.host.staticMember?.(type, lower, args);
  if (host?.found) return host.value;
  switch (`${type}::${lower}`) {
    case 'System.Environment::newline':
      return '\r\n';
    case 'System.Environment::machinename':
      return ip.host.computerName;
    case 'System.Environment::username':
      return ip.host.userName;
    case 'System.Environment::getenvironmentvariable':
      return ip.host.env.get(toStr(args?.[0]).toLowerCase())?.value ?? null;
    case 'System.String::isnullorempty':
      return args?.[0] === null || toStr(args?.[0]) === '';
    case 'System.String::isnullorwhitespace':
      return args?.[0] === null || toStr(args?.[0]).trim() === '';
    case 'System.String::join':
      return enumerate(args?.[1]).map(toStr).join(toStr(args?.[0]));
    case 'System.String::empty':
      return '';
    case 'System.Math::max':
      return Math.max(toNumber(args?.[0]) ?? 0, toNumber(args?.[1]) ?? 0);
    case 'System.Math::min':
      return Math.min(toNumber(args?.[0]) ?? 0, toNumber(args?.[1]) ?? 0);
    case 'System.Console::in':
      return consoleIn(ip.host.stdin);
    case 'System.Console::error':
      return consoleError((text) => ip.host.writeRawError?.(text));
    case 'System.Convert::tobase64string':
      return call(() => Buffer.from(toBytes(args?.[0])).toString('base64'));
    case 'System.Convert::frombase64string':
      return call(() => {
        const s = toStr(args?.[0]).replace(/\s/g, '');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0)
          throw new DotNetException(
            'The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters. ',
            'FormatException',
          );
        return new Uint8Array(Buffer.from(s, 'base64'));
      });
    case 'System.Text.Encoding::utf8':
      return encodingObject('utf8');
    case 'System.Text.Encoding::unicode':
      return encodingObject('utf16le');
    case 'System.Text.Encoding::ascii':
      return encodingObject('ascii');
    case 'System.Management.Automation.ScriptBlock::create':
      return call(() => {
        const text = toStr(args?.[0]);
        try {
          return new PsScriptBlock(parsePowerShell(text), text);
        } catch (e) {
          if (e instanceof PsParseError) throw new DotNetException(e.message, 'ParseException');
          throw e;
        }
      });
    case 'System.Guid::newguid': {
      const g = randomUUID();
      return new PsObject('System.Guid', { Guid: g }, () => g);
    }
  }
  throw ip.runtimeError(
    args === undefined
      ? `The property '${name}' cannot be found on type [${type}] in the pvecdk guest emulator.`
      : `Method invocation failed because [${type}] does not contain a method named '${name}'.`,
    'InvalidOperation',
    'RuntimeException',
    args === undefined ? 'PropertyNotFound' : 'MethodNotFound',
    extent,
  );
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  return new Uint8Array(enumerate(v).map((x) => toNumber(x) ?? 0));
}

function encodingObject(enc: 'utf8' | 'utf16le' | 'ascii'): PsObject {
  const o = new PsObject(
    `System.Text.${enc === 'utf8' ? 'UTF8' : enc === 'utf16le' ? 'Unicode' : 'ASCII'}Encoding`,
  );
  o.method('GetString', (args) => Buffer.from(toBytes(args[0])).toString(enc === 'ascii' ? 'latin1' : enc));
  o.method(
    'GetBytes',
    (args) => new Uint8Array(Buffer.from(toStr(args[0]), enc === 'ascii' ? 'latin1' : enc)),
  );
  return o;
}

function consoleIn(stdin: string): PsObject {
  let rest = stdin;
  const reader = new PsObject('System.IO.SyncTextReader');
  reader.method('ReadLine', () => {
    if (rest === '') return null;
    const nl = rest.indexOf('\n');
    const line = nl < 0 ? rest : rest.slice(0, nl);
    rest = nl < 0 ? '' : rest.slice(nl + 1);
    return line.replace(/\r$/, '');
  });
  reader.method('ReadToEnd', () => {
    const all = rest;
    rest = '';
    return all;
  });
  return reader;
}

/** [Console]::Error: a TextWriter on the process's stderr (raw text, no CLIXML). */
function consoleError(write: (text: string) => void): PsObject {
  const writer = new PsObject('System.IO.SyncTextWriter');
  writer.method('WriteLine', (...args: unknown[]) => {
    write(`${args.length ? toStr(args[0]) : ''}\r\n`);
    return undefined;
  });
  writer.method('Write', (...args: unknown[]) => {
    write(toStr(args[0]));
    return undefined;
  });
  return writer;
}

export function psVersionTable(): PsHashtable {
  const h = new PsHashtable();
  h.set('PSVersion', new PsObject('System.Version', { Major: 5, Minor: 1 }, () => '5.1.20348.2652'));
  h.set('PSEdition', 'Desktop');
  h.set('BuildVersion', '10.0.20348.2652');
  h.set('CLRVersion', '4.0.30319.42000');
  return h;
}
