import type { CmdletContext } from './powershell-cmdlet-context.ts';
import {
  ACCESS_TYPES,
  enumValue,
  FILE_SYSTEM_RIGHTS,
  INHERITANCE_FLAGS,
  PROPAGATION_FLAGS,
} from './powershell-cmdlets-security.ts';
import { DotNetException } from './powershell-interpreter.ts';
import { enumerate, PsHashtable, PsObject, toStr } from './powershell-values.ts';
import { readShellLink, writeShellLink } from './shell-link.ts';

/** New-Object: the .NET and COM objects the scripts make (access rules, WScript.Shell, ...). */
export function newObjectCmdlets(c: CmdletContext): void {
  const { s, fs, def } = c;
  def({
    name: 'New-Object',
    className: 'Microsoft.PowerShell.Commands.NewObjectCommand',
    params: [
      { name: 'TypeName', type: 'string', position: 0 },
      { name: 'ArgumentList', type: 'object[]', position: 1, aliases: ['Args'] },
      { name: 'ComObject', type: 'string' },
      { name: 'Property', type: 'object' },
      { name: 'Strict', type: 'switch' },
    ],
    run: (call) => {
      if (call.params.ComObject !== undefined) {
        const prog = toStr(call.params.ComObject);
        if (prog.toLowerCase() !== 'wscript.shell')
          call.fail({
            message: `Retrieving the COM class factory for component with CLSID {00000000-0000-0000-0000-000000000000} failed due to the following error: 80040154 Class not registered (Exception from HRESULT: 0x80040154 (REGDB_E_CLASSNOTREG)).`,
            category: 'ResourceUnavailable',
            reason: 'COMException',
            errorId: 'NoCOMClassIdentified',
          });
        call.output(wscriptShell());
        return;
      }
      const type = toStr(call.params.TypeName ?? '');
      const args = enumerate(call.params.ArgumentList);
      const short = type.toLowerCase().replace(/^system\./, '');
      if (short === 'security.accesscontrol.filesystemaccessrule') {
        try {
          call.output(accessRule(args));
        } catch (e) {
          if (!(e instanceof DotNetException)) throw e;
          call.fail({
            message: e.message.startsWith('Cannot convert')
              ? e.message
              : `Exception calling ".ctor" with "${args.length}" argument(s): "${e.message}"`,
            category: 'InvalidOperation',
            reason: 'MethodException',
            errorId: 'ConstructorInvokedThrowException',
          });
        }
        return;
      }
      if (short === 'psobject' || short === 'management.automation.psobject' || short === 'pscustomobject') {
        const o = new PsObject('System.Management.Automation.PSCustomObject');
        if (call.params.Property instanceof PsHashtable) {
          for (const [k, v] of call.params.Property.entries()) {
            o.props.set(toStr(k).toLowerCase(), { name: toStr(k), value: v });
            o.writable(toStr(k));
          }
        }
        call.output(o);
        return;
      }
      if (short === 'collections.hashtable' || short === 'hashtable') {
        call.output(new PsHashtable());
        return;
      }
      call.fail({
        message: `Cannot find type [${type}]: verify that the assembly containing this type is loaded.`,
        category: 'InvalidType',
        reason: 'PSArgumentException',
        errorId: 'TypeNotFound',
      });
    },
  });

  function accessRule(args: unknown[]): PsObject {
    if (args.length !== 3 && args.length !== 5)
      throw new DotNetException(
        `Cannot find an overload for "FileSystemAccessRule" and the argument count: "${args.length}".`,
        'MethodCountCouldNotFindBest',
      );
    const [identity, rights, ...rest] = args.map(toStr);
    const [inheritance, propagation, type] = args.length === 5 ? rest : ['None', 'None', rest[0]!];
    return new PsObject('System.Security.AccessControl.FileSystemAccessRule', {
      IdentityReference: identity,
      FileSystemRights: enumValue(
        'fileSystemRights',
        rights!,
        FILE_SYSTEM_RIGHTS,
        'System.Security.AccessControl.FileSystemRights',
      ),
      InheritanceFlags: enumValue(
        'inheritanceFlags',
        inheritance!,
        INHERITANCE_FLAGS,
        'System.Security.AccessControl.InheritanceFlags',
      ),
      PropagationFlags: enumValue(
        'propagationFlags',
        propagation!,
        PROPAGATION_FLAGS,
        'System.Security.AccessControl.PropagationFlags',
      ),
      AccessControlType: enumValue(
        'type',
        type!,
        ACCESS_TYPES,
        'System.Security.AccessControl.AccessControlType',
      ),
      IsInherited: false,
    });
  }

  function wscriptShell(): PsObject {
    const shell = new PsObject('System.__ComObject#{41904400-be18-11d3-a28b-00104bd35090}');
    shell.method('CreateShortcut', ([pathArgument]) => {
      const full = fs.normalise(toStr(pathArgument), s.cwd);
      if (!/\.(lnk|url)$/i.test(full))
        throw new DotNetException(
          'The shortcut pathname must end with .lnk or .url.',
          'ComMethodTargetInvocation',
        );
      let link = {
        targetPath: '',
        arguments: '',
        workingDirectory: '',
        description: '',
        iconLocation: ',0',
        windowStyle: 1,
      };
      try {
        link = { ...link, ...readShellLink(fs.readFile(full)) };
        if (!link.iconLocation) link.iconLocation = ',0';
      } catch {
        // A new shortcut, or one the shell cannot read: starts empty, as WScript does.
      }
      const sc = new PsObject('System.__ComObject#{f935dc23-1cf0-11d0-adb9-00c04fd58a0b}', {
        FullName: full,
        TargetPath: link.targetPath,
        Arguments: link.arguments,
        WorkingDirectory: link.workingDirectory,
        Description: link.description,
        IconLocation: link.iconLocation,
        Hotkey: '',
        WindowStyle: link.windowStyle,
        RelativePath: '',
      });
      for (const p of [
        'TargetPath',
        'Arguments',
        'WorkingDirectory',
        'Description',
        'IconLocation',
        'Hotkey',
        'WindowStyle',
        'RelativePath',
      ])
        sc.writable(p);
      sc.method('Save', () => {
        const parent = full.slice(0, full.lastIndexOf('\\')) || full.slice(0, 3);
        if (!fs.exists(parent))
          throw new DotNetException(`Unable to save shortcut "${full}".`, 'ComMethodTargetInvocation');
        const get = (n: string) => toStr(sc.get(n).value);
        fs.writeFile(
          full,
          writeShellLink({
            targetPath: get('TargetPath'),
            arguments: get('Arguments'),
            workingDirectory: get('WorkingDirectory'),
            description: get('Description'),
            iconLocation: get('IconLocation') === ',0' ? '' : get('IconLocation'),
            windowStyle: Number(sc.get('WindowStyle').value) || 1,
          }),
        );
        return null;
      });
      return sc;
    });
    return shell;
  }
}
