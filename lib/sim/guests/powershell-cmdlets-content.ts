import { createHash } from 'node:crypto';
import { type CmdletContext, path } from './powershell-cmdlet-context.ts';
import type { CmdletCall } from './powershell-interpreter.ts';
import { enumerate, PsObject, toStr } from './powershell-values.ts';

/** Content encodings of Windows PowerShell 5.1 (no UTF8NoBOM there). */
export const ENCODINGS = {
  name: 'Microsoft.PowerShell.Commands.FileSystemCmdletProviderEncoding',
  values: [
    'Unknown',
    'String',
    'Unicode',
    'Byte',
    'BigEndianUnicode',
    'UTF8',
    'UTF7',
    'UTF32',
    'Ascii',
    'Default',
    'Oem',
    'BigEndianUTF32',
  ],
};

export function encodeText(text: string, encoding: string): Buffer {
  switch (encoding.toLowerCase()) {
    case 'utf8':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'unicode':
    case 'string':
    case 'unknown':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'bigendianunicode': {
      const le = Buffer.from(text, 'utf16le');
      for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
      return Buffer.concat([Buffer.from([0xfe, 0xff]), le]);
    }
    case 'ascii':
      return Buffer.from(
        text.replace(/[^ -~\t\r\n]/g, (c) => (c.charCodeAt(0) < 0x80 ? c : '?')),
        'latin1',
      );
    default:
      // Default/Oem: the ANSI code page (Windows-1252 here); what it cannot hold becomes '?'.
      return Buffer.from(text.replace(/[\u0100-\uffff]/g, '?'), 'latin1');
  }
}

/** Get-Content's decoding: a BOM decides, else the ANSI code page. */
export function decodeText(data: Buffer): string {
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return data.subarray(3).toString('utf8');
  if (data[0] === 0xff && data[1] === 0xfe) return data.subarray(2).toString('utf16le');
  if (data[0] === 0xfe && data[1] === 0xff) {
    const b = Buffer.from(data.subarray(2));
    for (let i = 0; i + 1 < b.length; i += 2) [b[i], b[i + 1]] = [b[i + 1]!, b[i]!];
    return b.toString('utf16le');
  }
  return data.toString('latin1');
}

/** File content: Get-Content, Set-Content, Add-Content, Out-File, Get-FileHash. */
export function contentCmdlets(c: CmdletContext): void {
  const { s, fs, def, pathNotFound, pathArg } = c;
  def({
    name: 'Get-Content',
    className: 'Microsoft.PowerShell.Commands.GetContentCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'Raw', type: 'switch' },
      { name: 'Encoding', type: 'string', enumType: ENCODINGS },
      { name: 'TotalCount', type: 'int', aliases: ['First', 'Head'] },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider === 'env') {
        const v = s.env.get(p.full.toLowerCase());
        if (v) call.output(v.value);
        else pathNotFound(call, p.full, 'PathNotFound');
        return;
      }
      if (p.provider !== 'fs' || !fs.exists(p.full)) {
        pathNotFound(call, p.full);
        return;
      }
      if (fs.stat(p.full).type === 'dir') {
        call.writeError({
          message: `Unable to get content because it is a directory: '${p.full}'. Please use 'Get-ChildItem' instead.`,
          category: 'InvalidOperation',
          targetName: p.full,
          reason: 'UnauthorizedAccessException',
          errorId: 'GetContentReaderUnauthorizedAccessError',
        });
        return;
      }
      const data = fs.readFile(p.full);
      const text = decodeText(data);
      if (call.params.Raw) {
        if (text.length) call.output(text);
        return;
      }
      const lines = text.split(/\r?\n/);
      if (lines[lines.length - 1] === '') lines.pop();
      const limit = call.params.TotalCount === undefined ? lines.length : Number(call.params.TotalCount);
      for (const l of lines.slice(0, limit)) call.output(l);
    },
  });

  for (const [name, append] of [
    ['Set-Content', false],
    ['Add-Content', true],
  ] as const) {
    def({
      name,
      className: `Microsoft.PowerShell.Commands.${append ? 'Add' : 'Set'}ContentCommand`,
      params: [
        path('Path', 0),
        path('LiteralPath', undefined, { aliases: ['PSPath'] }),
        { name: 'Value', type: 'object[]', position: 1, pipeline: true },
        { name: 'NoNewline', type: 'switch' },
        { name: 'Encoding', type: 'string', enumType: ENCODINGS },
        { name: 'Force', type: 'switch' },
      ],
      run: (call) =>
        writeContent(call, append ? 'append' : 'replace', toStr(call.params.Encoding ?? 'Default')),
    });
  }

  def({
    name: 'Out-File',
    className: 'Microsoft.PowerShell.Commands.OutFileCommand',
    params: [
      { name: 'FilePath', type: 'string', position: 0, aliases: ['Path'], notNull: true },
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'InputObject', type: 'object', pipeline: true },
      { name: 'Encoding', type: 'string', position: 1, enumType: ENCODINGS },
      { name: 'Append', type: 'switch' },
      { name: 'NoNewline', type: 'switch' },
      { name: 'Force', type: 'switch' },
    ],
    run: (call) => {
      const params = { ...call.params, Path: call.params.FilePath, Value: call.params.InputObject };
      const bound = new Set(call.bound);
      if (bound.has('FilePath')) bound.add('Path');
      writeContent(
        { ...call, params, bound },
        call.params.Append ? 'append' : 'replace',
        toStr(call.params.Encoding ?? 'Unicode'),
      );
    },
  });

  function writeContent(call: CmdletCall, mode: 'append' | 'replace', encoding: string): void {
    const p = pathArg(call)!;
    if (p.provider === 'env') {
      s.env.set(p.full.toLowerCase(), {
        name: p.full,
        value: enumerate(call.params.Value).map(toStr).join(''),
      });
      return;
    }
    if (p.provider !== 'fs') {
      pathNotFound(call, p.raw);
      return;
    }
    const parent = p.full.slice(0, p.full.lastIndexOf('\\')) || p.full.slice(0, 3);
    if (!fs.exists(parent)) {
      call.writeError({
        message: `Could not find a part of the path '${p.full}'.`,
        category: 'ObjectNotFound',
        targetName: p.full,
        reason: 'DirectoryNotFoundException',
        errorId: 'GetContentWriterDirectoryNotFoundError',
      });
      return;
    }
    if (fs.exists(p.full) && fs.stat(p.full).type === 'dir') {
      call.writeError({
        message: `Access to the path '${p.full}' is denied.`,
        category: 'PermissionDenied',
        targetName: p.full,
        reason: 'UnauthorizedAccessException',
        errorId: 'GetContentWriterUnauthorizedAccessError',
      });
      return;
    }
    const values = enumerate(call.params.Value);
    const text = call.params.NoNewline
      ? values.map(toStr).join('')
      : values.map((v) => `${toStr(v)}\r\n`).join('');
    if (mode === 'append' && fs.exists(p.full)) {
      const existing = fs.readFile(p.full);
      // Appending keeps the file's encoding and adds no second BOM.
      const bom = existing[0] === 0xef ? 'UTF8' : existing[0] === 0xff ? 'Unicode' : encoding;
      const encoded = encodeText(text, bom);
      const body = bom === 'UTF8' ? encoded.subarray(3) : bom === 'Unicode' ? encoded.subarray(2) : encoded;
      fs.writeFile(p.full, Buffer.concat([existing, body]));
      return;
    }
    fs.writeFile(p.full, encodeText(text, encoding));
  }

  def({
    name: 'Get-FileHash',
    className: 'Microsoft.PowerShell.Commands.GetFileHashCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      {
        name: 'Algorithm',
        type: 'string',
        enumType: { name: 'System.String', values: ['SHA1', 'SHA256', 'SHA384', 'SHA512', 'MD5'] },
      },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider !== 'fs' || !fs.exists(p.full)) {
        pathNotFound(call, p.full, 'FileNotFound');
        return;
      }
      const algorithm = toStr(call.params.Algorithm ?? 'SHA256');
      const hash = createHash(algorithm.toLowerCase())
        .update(fs.readFile(p.full))
        .digest('hex')
        .toUpperCase();
      call.output(
        new PsObject('Microsoft.Powershell.Utility.FileHash', {
          Algorithm: algorithm,
          Hash: hash,
          Path: fs.stat(p.full).path,
        }),
      );
    },
  });
}
