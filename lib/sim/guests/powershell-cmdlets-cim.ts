import type { CmdletContext } from './powershell-cmdlet-context.ts';
import type { CmdletCall } from './powershell-interpreter.ts';
import { enumerate, PsObject, toStr } from './powershell-values.ts';

const CIM_CMDLETS = 'CimCmdlets';
const PROFILE_CLASS = 'Microsoft.Management.Infrastructure.CimInstance#root/cimv2/Win32_UserProfile';

/** The service profiles every Windows has (Special: they cannot be removed). */
const SYSTEM_PROFILES: Array<[string, string]> = [
  ['S-1-5-18', 'C:\\Windows\\system32\\config\\systemprofile'],
  ['S-1-5-19', 'C:\\Windows\\ServiceProfiles\\LocalService'],
  ['S-1-5-20', 'C:\\Windows\\ServiceProfiles\\NetworkService'],
];

/**
 * CIM, for the one class the scripts use: Win32_UserProfile. A local
 * account's profile is made by Windows at its first logon (here: its folder
 * `C:\Users\<name>`, which the emulated guest's SSH logon uses), not when the
 * account is created; Remove-CimInstance deletes it (folder and all), except
 * a service profile or the profile of the account running the command
 * (loaded). Other classes fail saying they are not emulated.
 */
export function cimCmdlets(c: CmdletContext): void {
  const { s, fs, w, def } = c;

  const profiles = (): PsObject[] => {
    const out: PsObject[] = [];
    for (const [sid, localPath] of SYSTEM_PROFILES)
      out.push(profileObject({ sid, localPath, special: true, loaded: true }));
    for (const u of Object.values(w.users)) {
      const localPath = `C:\\Users\\${u.name}`;
      if (!fs.exists(localPath)) continue;
      const loaded = u.name.toLowerCase() === s.userName.toLowerCase();
      out.push(profileObject({ sid: u.sid, localPath, special: false, loaded }));
    }
    return out;
  };

  const notEmulated = (call: CmdletCall, what: string): never =>
    call.fail({
      message: `${what} is not emulated by the pvecdk guest emulator (only Win32_UserProfile is).`,
      category: 'NotImplemented',
      reason: 'NotImplementedException',
      errorId: 'PvecdkEmulatorNotImplemented',
    });

  def({
    name: 'Get-CimInstance',
    module: CIM_CMDLETS,
    className: 'Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand',
    params: [
      { name: 'ClassName', type: 'string', position: 0 },
      { name: 'Filter', type: 'string' },
      { name: 'Namespace', type: 'string' },
      { name: 'Query', type: 'string' },
    ],
    run: (call) => {
      if (call.bound.has('Query')) notEmulated(call, 'Get-CimInstance -Query');
      const className = toStr(call.params.ClassName);
      const ns = toStr(call.params.Namespace ?? 'root/cimv2')
        .replace(/\\/g, '/')
        .toLowerCase();
      if (className.toLowerCase() !== 'win32_userprofile' || ns !== 'root/cimv2')
        notEmulated(call, `The CIM class ${ns}:${className}`);
      let found = profiles();
      if (call.bound.has('Filter')) {
        // WQL equality on one property: `SID = 'S-1-5-...'`.
        const m = /^\s*(\w+)\s*=\s*'([^']*)'\s*$/.exec(toStr(call.params.Filter));
        if (!m) notEmulated(call, "A -Filter other than one Property = 'value' test");
        found = found.filter((p) => toStr(p.get(m![1]!).value).toLowerCase() === m![2]!.toLowerCase());
      }
      for (const p of found) call.output(p);
    },
  });

  def({
    name: 'Remove-CimInstance',
    module: CIM_CMDLETS,
    className: 'Microsoft.Management.Infrastructure.CimCmdlets.RemoveCimInstanceCommand',
    perItem: true,
    params: [{ name: 'InputObject', type: 'object', position: 0, mandatory: true, pipeline: true }],
    run: (call) => {
      for (const item of enumerate(call.params.InputObject)) {
        if (!(item instanceof PsObject) || item.typeName !== PROFILE_CLASS)
          return notEmulated(
            call,
            `Remove-CimInstance of ${item instanceof PsObject ? item.typeName : typeof item}`,
          );
        const o = item;
        const sid = toStr(o.get('SID').value);
        const current = profiles().find((p) => toStr(p.get('SID').value) === sid);
        if (!current) {
          call.writeError({
            message: 'Not found ',
            category: 'ObjectNotFound',
            targetName: `Win32_UserProfile (SID = "${sid}")`,
            reason: 'CimException',
            errorId: 'HRESULT 0x80041002',
          });
          continue;
        }
        if (current.get('Special').value === true || current.get('Loaded').value === true) {
          call.writeError({
            message: 'The process cannot access the file because it is being used by another process. ',
            category: 'NotSpecified',
            targetName: `Win32_UserProfile (SID = "${sid}")`,
            reason: 'CimException',
            errorId: 'HRESULT 0x80070020',
          });
          continue;
        }
        fs.rmdir(toStr(current.get('LocalPath').value), { recursive: true });
      }
    },
  });
}

function profileObject(p: { sid: string; localPath: string; special: boolean; loaded: boolean }): PsObject {
  return new PsObject(
    PROFILE_CLASS,
    {
      SID: p.sid,
      LocalPath: p.localPath,
      Loaded: p.loaded,
      Special: p.special,
      RefCount: p.loaded ? 1 : 0,
      Status: 0,
    },
    () => `Win32_UserProfile (SID = "${p.sid}")`,
  );
}
