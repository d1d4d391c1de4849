import type { GuestFs } from './guest-fs.ts';
import { type CmdletContext, path } from './powershell-cmdlet-context.ts';
import { encodeText } from './powershell-cmdlets-content.ts';
import { enumerate, PsObject, toStr } from './powershell-values.ts';

/** Items on the file system and Env: drives: Test-Path, Split-Path, Join-Path, New-Item, Remove-Item, Copy/Move-Item, Get-Item, Get-ChildItem. */
export function itemCmdlets(c: CmdletContext): void {
  const { s, fs, def, pathNotFound, pathArg } = c;
  // ---- files and items ----------------------------------------------------------------

  const itemObject = (full: string) => {
    const st = fs.stat(full);
    const name = fs.basename(st.path) || st.path;
    return new PsObject(
      st.type === 'dir' ? 'System.IO.DirectoryInfo' : 'System.IO.FileInfo',
      {
        Name: name,
        FullName: st.path,
        PSIsContainer: st.type === 'dir',
        ...(st.type === 'dir' ? {} : { Length: st.size }),
        LastWriteTime: new Date(st.mtime * 1000).toISOString(),
      },
      () => name,
    );
  };

  def({
    name: 'Test-Path',
    className: 'Microsoft.PowerShell.Commands.TestPathCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      {
        name: 'PathType',
        type: 'string',
        enumType: {
          name: 'Microsoft.PowerShell.Commands.TestPathType',
          values: ['Any', 'Container', 'Leaf'],
        },
      },
      { name: 'IsValid', type: 'switch' },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider === 'env') {
        call.output(s.env.has(p.full.toLowerCase()));
        return;
      }
      if (p.provider !== 'fs') {
        call.output(false);
        return;
      }
      if (call.params.IsValid) {
        call.output(!/[<>"|?*]/.test(p.full.slice(2)));
        return;
      }
      let st: ReturnType<GuestFs['stat']> | undefined;
      try {
        st = fs.stat(p.full);
      } catch {
        st = undefined;
      }
      const type = toStr(call.params.PathType ?? 'Any');
      call.output(st !== undefined && (type === 'Any' || (type === 'Container') === (st.type === 'dir')));
    },
  });

  def({
    name: 'Split-Path',
    className: 'Microsoft.PowerShell.Commands.SplitPathCommand',
    params: [
      path('Path', 0, { pipeline: true }),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'Parent', type: 'switch' },
      { name: 'Leaf', type: 'switch' },
      { name: 'Qualifier', type: 'switch' },
      { name: 'NoQualifier', type: 'switch' },
    ],
    run: (call) => {
      const raw = toStr(call.params.LiteralPath ?? call.params.Path).replace(/[\\/]+$/, '');
      const i = Math.max(raw.lastIndexOf('\\'), raw.lastIndexOf('/'));
      if (call.params.Leaf) call.output(i < 0 ? raw : raw.slice(i + 1));
      else if (call.params.Qualifier) call.output(/^[A-Za-z]:/.exec(raw)?.[0] ?? '');
      else if (call.params.NoQualifier) call.output(raw.replace(/^[A-Za-z]:/, ''));
      else call.output(i < 0 ? '' : i === 2 && /^[A-Za-z]:/.test(raw) ? raw.slice(0, 3) : raw.slice(0, i));
    },
  });

  def({
    name: 'Join-Path',
    className: 'Microsoft.PowerShell.Commands.JoinPathCommand',
    params: [
      path('Path', 0, { mandatory: true }),
      { name: 'ChildPath', type: 'string', position: 1, mandatory: true },
    ],
    run: (call) =>
      call.output(
        `${toStr(call.params.Path).replace(/\\+$/, '')}\\${toStr(call.params.ChildPath).replace(/^\\+/, '')}`,
      ),
  });

  def({
    name: 'New-Item',
    className: 'Microsoft.PowerShell.Commands.NewItemCommand',
    params: [
      { name: 'Path', type: 'string[]', position: 0 },
      { name: 'Name', type: 'string' },
      { name: 'ItemType', type: 'string', aliases: ['Type'] },
      { name: 'Value', type: 'object', pipeline: true },
      { name: 'Force', type: 'switch' },
    ],
    run: (call) => {
      const base = enumerate(call.params.Path ?? [s.cwd]).map(toStr)[0] ?? s.cwd;
      const full = fs.normalise(
        call.params.Name !== undefined ? `${base}\\${toStr(call.params.Name)}` : base,
        s.cwd,
      );
      const type = toStr(call.params.ItemType ?? 'File').toLowerCase();
      const force = Boolean(call.params.Force);
      if (type === 'directory') {
        if (fs.exists(full)) {
          if (!force || fs.stat(full).type !== 'dir') {
            call.writeError({
              message: `An item with the specified name ${full} already exists.`,
              category: 'ResourceExists',
              targetName: full,
              reason: 'IOException',
              errorId: 'DirectoryExist',
            });
            return;
          }
        } else fs.mkdir(full, { recursive: true });
        call.output(itemObject(full));
        return;
      }
      if (type === 'file') {
        const parent = full.slice(0, full.lastIndexOf('\\')) || full.slice(0, 3);
        if (fs.exists(full) && !force) {
          call.writeError({
            message: `The file '${full}' already exists.`,
            category: 'WriteError',
            targetName: full,
            reason: 'IOException',
            errorId: 'NewItemIOError',
          });
          return;
        }
        if (!fs.exists(parent)) {
          if (!force) {
            call.writeError({
              message: `Could not find a part of the path '${full}'.`,
              category: 'WriteError',
              targetName: full,
              reason: 'DirectoryNotFoundException',
              errorId: 'NewItemIOError',
            });
            return;
          }
          fs.mkdir(parent, { recursive: true });
        }
        const value = call.params.Value === undefined ? '' : toStr(call.params.Value);
        fs.writeFile(full, encodeText(value, 'Default'));
        call.output(itemObject(full));
        return;
      }
      call.fail({
        message: `The pvecdk guest emulator creates only files and directories, not '${type}' items.`,
        category: 'NotImplemented',
        reason: 'NotImplementedException',
        errorId: 'PvecdkEmulatorNotImplemented',
      });
    },
  });

  def({
    name: 'Remove-Item',
    className: 'Microsoft.PowerShell.Commands.RemoveItemCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'Recurse', type: 'switch' },
      { name: 'Force', type: 'switch' },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider === 'env') {
        if (!s.env.has(p.full.toLowerCase())) {
          pathNotFound(call, p.full);
          return;
        }
        s.env.delete(p.full.toLowerCase());
        return;
      }
      if (p.provider !== 'fs' || !fs.exists(p.full)) {
        pathNotFound(call, p.provider === 'fs' ? p.full : p.raw);
        return;
      }
      const st = fs.stat(p.full);
      if (st.type === 'dir') {
        if (fs.readdir(p.full).length && !call.params.Recurse)
          call.fail({
            message:
              'Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.',
            category: 'InvalidOperation',
            reason: 'PSInvalidOperationException',
            errorId: 'InvalidOperation',
          });
        fs.rmdir(p.full, { recursive: true });
      } else fs.unlink(p.full);
    },
  });

  for (const [name, move] of [
    ['Copy-Item', false],
    ['Move-Item', true],
  ] as const) {
    def({
      name,
      className: `Microsoft.PowerShell.Commands.${move ? 'Move' : 'Copy'}ItemCommand`,
      params: [
        path('Path', 0),
        path('LiteralPath', undefined, { aliases: ['PSPath'] }),
        { name: 'Destination', type: 'string', position: 1 },
        { name: 'Force', type: 'switch' },
        { name: 'Recurse', type: 'switch' },
      ],
      run: (call) => {
        const p = pathArg(call)!;
        if (p.provider !== 'fs' || !fs.exists(p.full)) {
          pathNotFound(call, p.full);
          return;
        }
        let dest = fs.normalise(toStr(call.params.Destination ?? s.cwd), s.cwd);
        if (fs.exists(dest) && fs.stat(dest).type === 'dir') dest = `${dest}\\${fs.basename(p.full)}`;
        if (fs.exists(dest) && !call.params.Force) {
          call.writeError({
            message: move
              ? 'Cannot create a file when that file already exists.'
              : `The file '${dest}' already exists.`,
            category: 'WriteError',
            targetName: dest,
            reason: 'IOException',
            errorId: move ? 'MoveFileInfoItemIOError' : 'CopyFileInfoItemIOError',
          });
          return;
        }
        if (move) fs.rename(p.full, dest);
        else fs.writeFile(dest, fs.readFile(p.full));
      },
    });
  }

  def({
    name: 'Get-Item',
    className: 'Microsoft.PowerShell.Commands.GetItemCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'Force', type: 'switch' },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider !== 'fs' || !fs.exists(p.full)) pathNotFound(call, p.full);
      else call.output(itemObject(p.full));
    },
  });

  def({
    name: 'Get-ChildItem',
    className: 'Microsoft.PowerShell.Commands.GetChildItemCommand',
    params: [
      { name: 'Path', type: 'string', position: 0 },
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'Force', type: 'switch' },
      { name: 'File', type: 'switch' },
      { name: 'Directory', type: 'switch' },
      { name: 'Name', type: 'switch' },
    ],
    run: (call) => {
      const full = fs.normalise(toStr(call.params.LiteralPath ?? call.params.Path ?? s.cwd), s.cwd);
      if (!fs.exists(full)) {
        pathNotFound(call, full);
        return;
      }
      const st = fs.stat(full);
      const children =
        st.type === 'dir' ? fs.readdir(full).map((n) => `${st.path.replace(/\\$/, '')}\\${n}`) : [st.path];
      for (const c of children) {
        const isDir = fs.stat(c).type === 'dir';
        if ((call.params.File && isDir) || (call.params.Directory && !isDir)) continue;
        call.output(call.params.Name ? fs.basename(c) : itemObject(c));
      }
    },
  });
}
