import { describe, expect, it } from 'vitest';
import { GuestFs, GuestFsError, readShellLink, writeShellLink } from '../../../lib/sim/index.ts';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof GuestFsError ? e.code : 'other';
  }
};

describe('guest file tree', () => {
  it('GIVEN a POSIX tree WHEN files are written, renamed and removed THEN rename(2) semantics hold and the JSON form round-trips', () => {
    const fs = GuestFs.create('posix');
    fs.mkdir('/srv/app/conf', { recursive: true });
    fs.writeFile('/srv/app/conf/a', 'one', { mode: 0o600 });
    fs.writeFile('/srv/app/conf/b', 'two');
    fs.rename('/srv/app/conf/a', '/srv/app/conf/b');
    expect(fs.readText('/srv/app/conf/b')).toBe('one');
    expect(fs.stat('/srv/app/conf/b').mode).toBe(0o600);
    expect(code(() => fs.rename('/srv/app/conf/b', '/srv/app/conf/b2', { noReplace: true }))).toBeUndefined();
    fs.writeFile('/srv/app/conf/c', 'c');
    expect(code(() => fs.rename('/srv/app/conf/c', '/srv/app/conf/b2', { noReplace: true }))).toBe('EEXIST');
    expect(code(() => fs.rename('/srv/app', '/srv/app/conf/inside'))).toBe('EINVAL');
    fs.rename('/srv/app', '/srv/moved');
    expect(fs.list('/srv')).toEqual([
      '/srv',
      '/srv/moved',
      '/srv/moved/conf',
      '/srv/moved/conf/b2',
      '/srv/moved/conf/c',
    ]);
    expect(code(() => fs.rmdir('/srv/moved'))).toBe('ENOTEMPTY');
    const copy = new GuestFs(JSON.parse(JSON.stringify(fs.data)));
    expect(copy.readText('/srv/moved/conf/b2')).toBe('one');
  });

  it('GIVEN symlinks WHEN paths go through them THEN they resolve like the kernel does, loops included', () => {
    const fs = GuestFs.create('posix');
    fs.mkdir('/cf/conf', { recursive: true });
    fs.symlink('/cf/conf', '/conf');
    fs.writeFile('/conf/config.xml', '<pfsense/>');
    expect(fs.readText('/cf/conf/config.xml')).toBe('<pfsense/>');
    expect(fs.stat('/conf', { followLast: false }).type).toBe('symlink');
    fs.symlink('loop2', '/loop1');
    fs.symlink('loop1', '/loop2');
    expect(code(() => fs.readFile('/loop1'))).toBe('ELOOP');
  });

  it('GIVEN a non-root caller WHEN it writes outside what it owns THEN EACCES, and /tmp\u2019s sticky bit protects others\u2019 files', () => {
    const fs = GuestFs.create('posix');
    fs.mkdir('/etc');
    fs.mkdir('/tmp', { mode: 0o1777 });
    const alice = { uid: 1000, gid: 1000 };
    const bob = { uid: 1001, gid: 1001 };
    expect(code(() => fs.writeFile('/etc/x', 'x', { cred: alice }))).toBe('EACCES');
    fs.writeFile('/tmp/alice', 'a', { cred: alice });
    expect(code(() => fs.unlink('/tmp/alice', { cred: bob }))).toBe('EACCES');
    expect(code(() => fs.unlink('/tmp/alice', { cred: alice }))).toBeUndefined();
  });

  it('GIVEN a Windows tree WHEN paths differ in case or separators THEN they name the same file and keep the case they were created with', () => {
    const fs = GuestFs.create('windows');
    fs.mkdir('C:\\Users\\Public\\Desktop', { recursive: true });
    fs.writeFile('c:/users/public/desktop/App.lnk', 'x');
    expect(fs.exists('/C:/Users/Public/Desktop/app.LNK')).toBe(true);
    expect(fs.readdir('C:\\USERS\\public\\desktop')).toEqual(['App.lnk']);
    expect(fs.stat('c:\\users\\public\\desktop\\app.lnk').path).toBe('C:\\Users\\Public\\Desktop\\App.lnk');
    expect(fs.normalise('..\\x', 'C:\\Users\\Public')).toBe('C:\\Users\\x');
  });

  it('GIVEN a shortcut WHEN written and read back THEN every field survives the MS-SHLLINK encoding', () => {
    const link = {
      targetPath: 'C:\\Program Files\\ShowGrounds\\ShowGrounds.exe',
      arguments: '"C:\\Links\\acme é.4DLink"',
      workingDirectory: 'C:\\Program Files\\ShowGrounds',
      description: 'ShowGrounds (acme)',
      iconLocation: '',
      windowStyle: 1,
    };
    const data = writeShellLink(link);
    expect(data.readUInt32LE(0)).toBe(0x4c);
    expect(readShellLink(data)).toEqual(link);
  });
});
