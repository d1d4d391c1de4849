import type { GuestFs } from './guest-fs.ts';
import type { CmdletCall, CmdletDef, ParamDef } from './powershell-interpreter.ts';
import { toStr } from './powershell-values.ts';
import type { WindowsState } from './windows-state.ts';

/** What the emulated Windows session is: the guest's file system and state, the account, its location and environment. */
export interface WindowsSession {
  readonly fs: GuestFs;
  readonly windows: WindowsState;
  /** The logged-in account. */
  readonly userName: string;
  /** The current location (the user's profile folder). */
  readonly cwd: string;
  readonly env: Map<string, { name: string; value: string }>;
}

/** A path parameter: a string that may not be null or empty. */
export const path = (name: string, position?: number, extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  type: 'string',
  ...(position !== undefined ? { position } : {}),
  notNull: true,
  ...extra,
});

/** What every area of cmdlets registers with and shares. */
export interface CmdletContext {
  readonly s: WindowsSession;
  readonly fs: GuestFs;
  readonly w: WindowsState;
  readonly def: (d: CmdletDef) => void;
  readonly computer: () => string;
  readonly pathNotFound: (call: CmdletCall, p: string, errorId?: string) => void;
  readonly pathArg: (
    call: CmdletCall,
  ) => { raw: string; full: string; provider: 'fs' | 'env' | 'other' } | undefined;
}

export function cmdletContext(s: WindowsSession, def: (d: CmdletDef) => void): CmdletContext {
  const { fs, windows: w } = s;
  const computer = () => w.computerName;
  const pathNotFound = (call: CmdletCall, p: string, errorId = 'PathNotFound') =>
    call.writeError({
      message: `Cannot find path '${p}' because it does not exist.`,
      category: 'ObjectNotFound',
      targetName: p,
      reason: 'ItemNotFoundException',
      errorId,
    });

  /** The path a cmdlet was given (-Path/-LiteralPath), absolute, provider prefix removed. */
  const pathArg = (
    call: CmdletCall,
  ): { raw: string; full: string; provider: 'fs' | 'env' | 'other' } | undefined => {
    const raw = toStr(call.params.LiteralPath ?? call.params.Path ?? '');
    if (!call.bound.has('LiteralPath') && !call.bound.has('Path')) {
      call.fail({
        message: `Cannot process command because of one or more missing mandatory parameters: Path.`,
        category: 'InvalidArgument',
        reason: 'ParameterBindingException',
        errorId: 'MissingMandatoryParameter',
      });
    }
    const m = /^(?:Microsoft\.PowerShell\.Core\\)?(?:FileSystem::)?(.*)$/i.exec(raw)!;
    const p = m[1]!;
    if (/^env:\\?/i.test(p)) return { raw, full: p.replace(/^env:\\?/i, ''), provider: 'env' };
    if (/^(HKLM|HKCU|Cert|Variable|Function|Alias|WSMan):/i.test(p))
      return { raw, full: p, provider: 'other' };
    return { raw, full: fs.normalise(p, s.cwd), provider: 'fs' };
  };
  return { s, fs, w, def, computer, pathNotFound, pathArg };
}
