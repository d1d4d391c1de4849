/**
 * Windows shortcut files (.lnk, [MS-SHLLINK]) as WScript.Shell's
 * CreateShortcut().Save() writes them for a local target: a header, a
 * LinkInfo with the target's local path, and the Unicode string data
 * (description, working directory, arguments, icon). The reader accepts
 * what the writer produces and the same structures from real files
 * (skipping a LinkTargetIDList when present).
 */

export interface ShellLink {
  targetPath: string;
  arguments: string;
  workingDirectory: string;
  description: string;
  iconLocation: string;
  /** SW_SHOWNORMAL (1), SW_SHOWMAXIMIZED (3), SW_SHOWMINNOACTIVE (7). */
  windowStyle: number;
}

const CLSID = Buffer.from([
  0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
]);

const HAS_ID_LIST = 0x1;
const HAS_LINK_INFO = 0x2;
const HAS_NAME = 0x4;
const HAS_RELATIVE_PATH = 0x8;
const HAS_WORKING_DIR = 0x10;
const HAS_ARGUMENTS = 0x20;
const HAS_ICON_LOCATION = 0x40;
const IS_UNICODE = 0x80;

function utf16z(s: string): Buffer {
  return Buffer.from(`${s}\0`, 'utf16le');
}

function stringData(s: string): Buffer {
  const chars = Buffer.from(s, 'utf16le');
  const len = Buffer.alloc(2);
  len.writeUInt16LE(s.length);
  return Buffer.concat([len, chars]);
}

export function writeShellLink(link: ShellLink): Buffer {
  let flags = IS_UNICODE;
  if (link.targetPath) flags |= HAS_LINK_INFO;
  if (link.description) flags |= HAS_NAME;
  if (link.workingDirectory) flags |= HAS_WORKING_DIR;
  if (link.arguments) flags |= HAS_ARGUMENTS;
  if (link.iconLocation) flags |= HAS_ICON_LOCATION;

  const header = Buffer.alloc(76);
  header.writeUInt32LE(0x4c, 0);
  CLSID.copy(header, 4);
  header.writeUInt32LE(flags, 20);
  header.writeUInt32LE(0x20, 24); // FILE_ATTRIBUTE_ARCHIVE
  header.writeUInt32LE(link.windowStyle || 1, 60);

  const parts: Buffer[] = [header];
  if (link.targetPath) {
    const volume = Buffer.alloc(17);
    volume.writeUInt32LE(17, 0);
    volume.writeUInt32LE(3, 4); // DRIVE_FIXED
    volume.writeUInt32LE(0x1c0ffee, 8);
    volume.writeUInt32LE(0x10, 12);
    const basePath = Buffer.from(`${link.targetPath}\0`, 'latin1');
    const suffix = Buffer.from([0]);
    const basePathUnicode = utf16z(link.targetPath);
    const suffixUnicode = Buffer.from([0, 0]);
    const headerSize = 0x24;
    const volumeOffset = headerSize;
    const baseOffset = volumeOffset + volume.length;
    const suffixOffset = baseOffset + basePath.length;
    const baseUnicodeOffset = suffixOffset + suffix.length;
    const suffixUnicodeOffset = baseUnicodeOffset + basePathUnicode.length;
    const size = suffixUnicodeOffset + suffixUnicode.length;
    const info = Buffer.alloc(headerSize);
    info.writeUInt32LE(size, 0);
    info.writeUInt32LE(headerSize, 4);
    info.writeUInt32LE(1, 8); // VolumeIDAndLocalBasePath
    info.writeUInt32LE(volumeOffset, 12);
    info.writeUInt32LE(baseOffset, 16);
    info.writeUInt32LE(0, 20);
    info.writeUInt32LE(suffixOffset, 24);
    info.writeUInt32LE(baseUnicodeOffset, 28);
    info.writeUInt32LE(suffixUnicodeOffset, 32);
    parts.push(info, volume, basePath, suffix, basePathUnicode, suffixUnicode);
  }
  if (link.description) parts.push(stringData(link.description));
  if (link.workingDirectory) parts.push(stringData(link.workingDirectory));
  if (link.arguments) parts.push(stringData(link.arguments));
  if (link.iconLocation) parts.push(stringData(link.iconLocation));
  parts.push(Buffer.alloc(4)); // TerminalBlock
  return Buffer.concat(parts);
}

export class ShellLinkFormatError extends Error {}

export function readShellLink(data: Buffer): ShellLink {
  if (data.length < 76 || data.readUInt32LE(0) !== 0x4c || !data.subarray(4, 20).equals(CLSID))
    throw new ShellLinkFormatError('not a shell link (.lnk) file');
  const flags = data.readUInt32LE(20);
  const link: ShellLink = {
    targetPath: '',
    arguments: '',
    workingDirectory: '',
    description: '',
    iconLocation: '',
    windowStyle: data.readUInt32LE(60),
  };
  let p = 76;
  if (flags & HAS_ID_LIST) p += 2 + data.readUInt16LE(p);
  if (flags & HAS_LINK_INFO) {
    const start = p;
    const size = data.readUInt32LE(p);
    const headerSize = data.readUInt32LE(p + 4);
    const infoFlags = data.readUInt32LE(p + 8);
    if (infoFlags & 1) {
      const cstr = (off: number, enc: 'latin1' | 'utf16le') => {
        const from = start + off;
        if (enc === 'latin1') return data.toString('latin1', from, data.indexOf(0, from));
        let end = from;
        while (end + 1 < data.length && (data[end] !== 0 || data[end + 1] !== 0)) end += 2;
        return data.toString('utf16le', from, end);
      };
      if (headerSize >= 0x24) {
        link.targetPath =
          cstr(data.readUInt32LE(p + 28), 'utf16le') + cstr(data.readUInt32LE(p + 32), 'utf16le');
      } else
        link.targetPath =
          cstr(data.readUInt32LE(p + 16), 'latin1') + cstr(data.readUInt32LE(p + 24), 'latin1');
    }
    p = start + size;
  }
  const unicode = (flags & IS_UNICODE) !== 0;
  const read = (): string => {
    const count = data.readUInt16LE(p);
    p += 2;
    const bytes = unicode ? count * 2 : count;
    const s = data.toString(unicode ? 'utf16le' : 'latin1', p, p + bytes);
    p += bytes;
    return s;
  };
  if (flags & HAS_NAME) link.description = read();
  if (flags & HAS_RELATIVE_PATH) read();
  if (flags & HAS_WORKING_DIR) link.workingDirectory = read();
  if (flags & HAS_ARGUMENTS) link.arguments = read();
  if (flags & HAS_ICON_LOCATION) link.iconLocation = read();
  return link;
}
