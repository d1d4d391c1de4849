import { type CmdletContext, path } from './powershell-cmdlet-context.ts';
import { DotNetException } from './powershell-interpreter.ts';
import { enumerate, PsObject, PsSecureString, toBool, toStr } from './powershell-values.ts';
import type { WindowsAccessRule } from './windows-state.ts';

export const FILE_SYSTEM_RIGHTS = [
  'ListDirectory',
  'ReadData',
  'WriteData',
  'CreateFiles',
  'CreateDirectories',
  'AppendData',
  'ReadExtendedAttributes',
  'WriteExtendedAttributes',
  'Traverse',
  'ExecuteFile',
  'DeleteSubdirectoriesAndFiles',
  'ReadAttributes',
  'WriteAttributes',
  'Write',
  'Delete',
  'ReadPermissions',
  'Read',
  'ReadAndExecute',
  'Modify',
  'ChangePermissions',
  'TakeOwnership',
  'Synchronize',
  'FullControl',
];
export const INHERITANCE_FLAGS = ['None', 'ContainerInherit', 'ObjectInherit'];
export const PROPAGATION_FLAGS = ['None', 'NoPropagateInherit', 'InheritOnly'];
export const ACCESS_TYPES = ['Allow', 'Deny'];

export function enumValue(label: string, value: string, allowed: string[], typeName: string): string {
  const parts = value.split(',').map((p) => p.trim());
  const out: string[] = [];
  for (const part of parts) {
    const match = allowed.find((a) => a.toLowerCase() === part.toLowerCase());
    if (!match)
      throw new DotNetException(
        `Cannot convert argument "${label}", with value: "${value}", for "FileSystemAccessRule" to type "${typeName}": "Cannot convert value "${value}" to type "${typeName}". Error: "Unable to match the identifier name ${part} to a valid enumerator name. Specify one of the following enumerator names and try again:\n${allowed.join(', ')}""`,
        'MethodException',
      );
    out.push(match);
  }
  return out.join(', ');
}

const SECURITY = 'Microsoft.PowerShell.Security';

/** ConvertTo-SecureString and the folder ACLs (Get-Acl, Set-Acl). */
export function securityCmdlets(c: CmdletContext): void {
  const { fs, w, def, computer, pathNotFound, pathArg } = c;
  const resolveIdentity = (identity: string): string | undefined => {
    const plain = identity.replace(/^(BUILTIN|NT AUTHORITY|\.)\\/i, '');
    const wellKnown: Record<string, string> = {
      system: 'NT AUTHORITY\\SYSTEM',
      'local system': 'NT AUTHORITY\\SYSTEM',
      'authenticated users': 'NT AUTHORITY\\Authenticated Users',
      interactive: 'NT AUTHORITY\\INTERACTIVE',
      everyone: 'Everyone',
      'creator owner': 'CREATOR OWNER',
    };
    if (wellKnown[plain.toLowerCase()]) return wellKnown[plain.toLowerCase()];
    const [domain, name] = identity.includes('\\') ? identity.split('\\') : [undefined, identity];
    if (domain && !['builtin', computer().toLowerCase(), '.'].includes(domain.toLowerCase()))
      return undefined;
    const group = w.groups[name!.toLowerCase()];
    if (group && (!domain || domain.toLowerCase() === 'builtin' || domain === '.'))
      return `BUILTIN\\${group.name}`;
    const user = w.users[name!.toLowerCase()];
    if (user && domain?.toLowerCase() !== 'builtin') return `${computer()}\\${user.name}`;
    return undefined;
  };

  const ruleObject = (r: WindowsAccessRule, inherited: boolean) =>
    new PsObject('System.Security.AccessControl.FileSystemAccessRule', {
      FileSystemRights: r.rights,
      AccessControlType: r.type,
      IdentityReference: r.identity,
      IsInherited: inherited,
      InheritanceFlags: r.inheritance,
      PropagationFlags: r.propagation,
    });

  const defaultInherited = (): WindowsAccessRule[] => [
    {
      identity: 'NT AUTHORITY\\SYSTEM',
      rights: 'FullControl',
      inheritance: 'ContainerInherit, ObjectInherit',
      propagation: 'None',
      type: 'Allow',
    },
    {
      identity: 'BUILTIN\\Administrators',
      rights: 'FullControl',
      inheritance: 'ContainerInherit, ObjectInherit',
      propagation: 'None',
      type: 'Allow',
    },
    {
      identity: 'BUILTIN\\Users',
      rights: 'ReadAndExecute, Synchronize',
      inheritance: 'ContainerInherit, ObjectInherit',
      propagation: 'None',
      type: 'Allow',
    },
    {
      identity: 'CREATOR OWNER',
      rights: 'FullControl',
      inheritance: 'ContainerInherit, ObjectInherit',
      propagation: 'InheritOnly',
      type: 'Allow',
    },
  ];

  /** The ACL object Get-Acl returns; Set-Acl stores its explicit rules and protection. */
  const aclObject = (full: string, isDir: boolean) => {
    const stored = w.acls[full.toLowerCase()];
    const state = {
      protected: stored?.protected ?? false,
      rules: [...(stored?.rules ?? [])],
      inherited: stored?.protected ? [] : defaultInherited(),
    };
    const o = new PsObject(
      isDir
        ? 'System.Security.AccessControl.DirectorySecurity'
        : 'System.Security.AccessControl.FileSecurity',
      {
        Path: `Microsoft.PowerShell.Core\\FileSystem::${full}`,
        Owner: 'BUILTIN\\Administrators',
        Group: `${computer()}\\None`,
      },
    );
    const refresh = () => {
      o.props.set('access', {
        name: 'Access',
        value: [
          ...state.rules.map((r) => ruleObject(r, false)),
          ...state.inherited.map((r) => ruleObject(r, true)),
        ],
      });
      o.props.set('areaccessrulesprotected', { name: 'AreAccessRulesProtected', value: state.protected });
    };
    refresh();
    o.method('SetAccessRuleProtection', ([isProtected, preserve]) => {
      if (toBool(isProtected)) {
        if (toBool(preserve)) state.rules.push(...state.inherited);
        state.inherited = [];
        state.protected = true;
      } else {
        state.protected = false;
        state.inherited = defaultInherited();
      }
      refresh();
      return null;
    });
    const takeRule = (v: unknown): WindowsAccessRule => {
      if (!(v instanceof PsObject) || v.typeName !== 'System.Security.AccessControl.FileSystemAccessRule')
        throw new DotNetException(
          'Cannot convert argument "rule" to type "System.Security.AccessControl.FileSystemAccessRule".',
          'MethodArgumentConversionInvalidCastArgument',
        );
      const identity = resolveIdentity(toStr(v.get('IdentityReference').value));
      if (!identity)
        throw new DotNetException(
          'Some or all identity references could not be translated.',
          'IdentityNotMappedException',
        );
      return {
        identity,
        rights: toStr(v.get('FileSystemRights').value),
        inheritance: toStr(v.get('InheritanceFlags').value),
        propagation: toStr(v.get('PropagationFlags').value),
        type: toStr(v.get('AccessControlType').value) as 'Allow' | 'Deny',
      };
    };
    o.method('AddAccessRule', ([rule]) => {
      state.rules.push(takeRule(rule));
      refresh();
      return null;
    });
    o.method('SetAccessRule', ([rule]) => {
      const r = takeRule(rule);
      state.rules = state.rules.filter((x) => !(x.identity === r.identity && x.type === r.type));
      state.rules.push(r);
      refresh();
      return null;
    });
    o.method('RemoveAccessRule', ([rule]) => {
      const r = takeRule(rule);
      const before = state.rules.length;
      state.rules = state.rules.filter(
        (x) => !(x.identity === r.identity && x.rights === r.rights && x.type === r.type),
      );
      refresh();
      return state.rules.length !== before;
    });
    o.method('GetAccessRules', () => o.get('Access').value);
    (o as PsObject & { aclState?: typeof state }).aclState = state;
    return o;
  };

  // ---- security ---------------------------------------------------------------------

  def({
    name: 'ConvertTo-SecureString',
    module: SECURITY,
    className: 'Microsoft.PowerShell.Commands.ConvertToSecureStringCommand',
    params: [
      { name: 'String', type: 'string', position: 0, mandatory: true, pipeline: true },
      { name: 'AsPlainText', type: 'switch' },
      { name: 'Force', type: 'switch' },
      { name: 'Key', type: 'object' },
      { name: 'SecureKey', type: 'object' },
    ],
    run: (call) => {
      const text = toStr(enumerate(call.params.String)[0]);
      if (!call.params.AsPlainText) {
        call.fail({
          message: 'Input string was not in a correct format.',
          category: 'InvalidArgument',
          reason: 'FormatException',
          errorId: 'ImportSecureString_InvalidArgument_CryptographicError',
        });
      }
      if (!call.params.Force) {
        call.fail({
          message:
            'The system cannot protect plain text input. To suppress this warning and convert the plain text to a SecureString, reissue the command specifying the Force parameter. For more information ,type: get-help ConvertTo-SecureString.',
          category: 'InvalidArgument',
          reason: 'ArgumentException',
          errorId: 'ImportSecureString_InvalidArgument',
        });
      }
      call.output(new PsSecureString(text));
    },
  });

  def({
    name: 'Get-Acl',
    module: SECURITY,
    className: 'Microsoft.PowerShell.Commands.GetAclCommand',
    params: [path('Path', 0), path('LiteralPath', undefined, { aliases: ['PSPath'] })],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider !== 'fs' || !fs.exists(p.full)) {
        pathNotFound(call, p.full, 'GetAcl_PathNotFound_Exception');
        return;
      }
      call.output(aclObject(fs.stat(p.full).path, fs.stat(p.full).type === 'dir'));
    },
  });

  def({
    name: 'Set-Acl',
    module: SECURITY,
    className: 'Microsoft.PowerShell.Commands.SetAclCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'AclObject', type: 'object', position: 1, mandatory: true },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider !== 'fs' || !fs.exists(p.full)) {
        pathNotFound(call, p.full, 'SetAcl_PathNotFound_Exception');
        return;
      }
      const acl = call.params.AclObject as PsObject & {
        aclState?: { protected: boolean; rules: WindowsAccessRule[] };
      };
      if (!acl?.aclState)
        call.fail({
          message: 'The security descriptor is not valid for this object.',
          category: 'InvalidArgument',
          reason: 'ArgumentException',
          errorId: 'SetAcl_OperationNotSupported',
        });
      w.acls[fs.stat(p.full).path.toLowerCase()] = {
        protected: acl.aclState!.protected,
        rules: [...acl.aclState!.rules],
      };
    },
  });
}
