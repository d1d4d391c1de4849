import type { CmdletContext } from './powershell-cmdlet-context.ts';
import type { CmdletCall } from './powershell-interpreter.ts';
import { enumerate, PsObject, type PsSecureString, toStr, wildcard } from './powershell-values.ts';
import { hashPassword, type WindowsLocalUser } from './windows-state.ts';

const LOCAL_ACCOUNTS = 'Microsoft.PowerShell.LocalAccounts';

/** Local users and groups (Microsoft.PowerShell.LocalAccounts). */
export function accountCmdlets(c: CmdletContext): void {
  const { w, def, computer } = c;
  const userObject = (u: WindowsLocalUser) =>
    new PsObject(
      'Microsoft.PowerShell.Commands.LocalUser',
      {
        AccountExpires: u.accountExpires === null ? null : new Date(u.accountExpires).toISOString(),
        Description: u.description,
        Enabled: u.enabled,
        FullName: u.fullName,
        PasswordChangeableDate: null,
        PasswordExpires: u.passwordNeverExpires
          ? null
          : new Date(u.passwordLastSet + 42 * 86_400_000).toISOString(),
        UserMayChangePassword: u.userMayChangePassword,
        PasswordRequired: true,
        PasswordLastSet: u.passwordLastSet ? new Date(u.passwordLastSet).toISOString() : null,
        LastLogon: null,
        Name: u.name,
        SID: u.sid,
        PrincipalSource: 'Local',
        ObjectClass: 'User',
      },
      () => u.name,
    );

  const findUser = (name: string): WindowsLocalUser | undefined =>
    w.users[name.replace(/^.*\\/, '').toLowerCase()];

  const userNotFound = (call: CmdletCall, name: string) =>
    call.writeError({
      message: `User ${name} was not found.`,
      category: 'ObjectNotFound',
      targetName: name,
      reason: 'UserNotFoundException',
      errorId: 'UserNotFound',
    });

  const groupNotFound = (call: CmdletCall, name: string) =>
    call.writeError({
      message: `Group ${name} was not found.`,
      category: 'ObjectNotFound',
      targetName: name,
      reason: 'GroupNotFoundException',
      errorId: 'GroupNotFound',
    });

  /** The password policy check of SAM: length, and three of four character classes, not containing the account name. */
  const passwordOk = (password: string, userName: string): boolean => {
    const policy = w.passwordPolicy;
    if (password.length < policy.minLength) return false;
    if (!policy.complexity) return true;
    if (userName.length >= 3 && password.toLowerCase().includes(userName.toLowerCase())) return false;
    const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
    return classes >= 3;
  };

  const invalidPassword = (call: CmdletCall, name: string) =>
    call.fail({
      message:
        'The password does not meet the password policy requirements. Check the minimum password length, password complexity and password history requirements.',
      category: 'InvalidOperation',
      targetName: name,
      reason: 'InvalidPasswordException',
      errorId: 'InvalidPassword',
    });

  // ---- local accounts --------------------------------------------------------------

  def({
    name: 'Get-LocalUser',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.GetLocalUserCommand',
    params: [
      { name: 'Name', type: 'string[]', position: 0, pipeline: true },
      { name: 'SID', type: 'string[]' },
    ],
    run: (call) => {
      const names = call.params.Name as string[] | undefined;
      if (!names) {
        for (const u of Object.values(w.users).sort((a, b) => a.name.localeCompare(b.name)))
          call.output(userObject(u));
        return;
      }
      for (const n of enumerate(names).map(toStr)) {
        if (/[*?]/.test(n)) {
          const re = wildcard(n);
          for (const u of Object.values(w.users).filter((x) => re.test(x.name))) call.output(userObject(u));
          continue;
        }
        const u = findUser(n);
        if (u) call.output(userObject(u));
        else userNotFound(call, n);
      }
    },
  });

  def({
    name: 'New-LocalUser',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.NewLocalUserCommand',
    params: [
      { name: 'Name', type: 'string', position: 0, mandatory: true, maxLength: 20 },
      { name: 'Password', type: 'securestring' },
      { name: 'NoPassword', type: 'switch' },
      { name: 'FullName', type: 'string' },
      { name: 'Description', type: 'string', maxLength: 48 },
      { name: 'AccountExpires', type: 'object' },
      { name: 'AccountNeverExpires', type: 'switch' },
      { name: 'PasswordNeverExpires', type: 'switch' },
      { name: 'UserMayNotChangePassword', type: 'switch' },
      { name: 'Disabled', type: 'switch' },
    ],
    run: (call) => {
      const name = toStr(call.params.Name);
      if (!call.bound.has('Password') && !call.params.NoPassword)
        call.fail({
          message: 'Cannot process command because of one or more missing mandatory parameters: Password.',
          category: 'InvalidArgument',
          reason: 'ParameterBindingException',
          errorId: 'MissingMandatoryParameter',
        });
      if (/["/\\[\]:;|=,+*?<>@]/.test(name) || /^\.+$|\.$/.test(name) || /^\s|\s$/.test(name))
        call.fail({
          message: `The name ${name} is invalid.`,
          category: 'InvalidArgument',
          targetName: name,
          reason: 'InvalidNameException',
          errorId: 'InvalidName',
        });
      if (findUser(name) || w.groups[name.toLowerCase()])
        call.fail({
          message: findUser(name) ? `User ${name} already exists.` : `Group ${name} already exists.`,
          category: 'ResourceExists',
          targetName: name,
          reason: 'UserExistsException',
          errorId: 'UserExists',
        });
      const password = call.params.Password as PsSecureString | undefined;
      if (password && !passwordOk(password.plain, name)) invalidPassword(call, name);
      const user: WindowsLocalUser = {
        name,
        fullName: toStr(call.params.FullName ?? ''),
        description: toStr(call.params.Description ?? ''),
        enabled: !call.params.Disabled,
        ...(password ? { passwordHash: hashPassword(password.plain) } : {}),
        passwordNeverExpires: Boolean(call.params.PasswordNeverExpires),
        accountExpires: null,
        userMayChangePassword: !call.params.UserMayNotChangePassword,
        passwordLastSet: Date.now(),
        sid: `${w.machineSid}-${w.nextRid++}`,
      };
      w.users[name.toLowerCase()] = user;
      call.output(userObject(user));
    },
  });

  const userByParam = (call: CmdletCall): WindowsLocalUser | undefined => {
    const input = call.params.InputObject;
    const name = input instanceof PsObject ? toStr(input.get('Name').value) : toStr(call.params.Name ?? '');
    const u = findUser(name);
    if (!u) userNotFound(call, name);
    return u;
  };

  def({
    name: 'Set-LocalUser',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.SetLocalUserCommand',
    params: [
      { name: 'Name', type: 'string', position: 0 },
      { name: 'InputObject', type: 'object', pipeline: true },
      { name: 'SID', type: 'string' },
      { name: 'Password', type: 'securestring' },
      { name: 'FullName', type: 'string' },
      { name: 'Description', type: 'string', maxLength: 48 },
      { name: 'AccountExpires', type: 'object' },
      { name: 'AccountNeverExpires', type: 'switch' },
      { name: 'PasswordNeverExpires', type: 'bool' },
      { name: 'UserMayChangePassword', type: 'bool' },
    ],
    perItem: true,
    run: (call) => {
      const u = userByParam(call);
      if (!u) return;
      const password = call.params.Password as PsSecureString | undefined;
      if (password) {
        if (!passwordOk(password.plain, u.name)) invalidPassword(call, u.name);
        u.passwordHash = hashPassword(password.plain);
        u.passwordLastSet = Date.now();
      }
      if (call.bound.has('FullName')) u.fullName = toStr(call.params.FullName);
      if (call.bound.has('Description')) u.description = toStr(call.params.Description);
      if (call.params.AccountNeverExpires) u.accountExpires = null;
      if (call.bound.has('PasswordNeverExpires'))
        u.passwordNeverExpires = Boolean(call.params.PasswordNeverExpires);
      if (call.bound.has('UserMayChangePassword'))
        u.userMayChangePassword = Boolean(call.params.UserMayChangePassword);
    },
  });

  for (const [verb, enabled] of [
    ['Enable', true],
    ['Disable', false],
  ] as const) {
    def({
      name: `${verb}-LocalUser`,
      module: LOCAL_ACCOUNTS,
      className: `Microsoft.PowerShell.Commands.${verb}LocalUserCommand`,
      params: [
        { name: 'Name', type: 'string', position: 0 },
        { name: 'InputObject', type: 'object', pipeline: true },
      ],
      perItem: true,
      run: (call) => {
        const u = userByParam(call);
        if (u) u.enabled = enabled;
      },
    });
  }

  def({
    name: 'Remove-LocalUser',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.RemoveLocalUserCommand',
    params: [
      { name: 'Name', type: 'string', position: 0 },
      { name: 'InputObject', type: 'object', pipeline: true },
    ],
    perItem: true,
    run: (call) => {
      const u = userByParam(call);
      if (!u) return;
      delete w.users[u.name.toLowerCase()];
      for (const g of Object.values(w.groups))
        g.members = g.members.filter((m) => m.toLowerCase() !== u.name.toLowerCase());
    },
  });

  def({
    name: 'Get-LocalGroup',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.GetLocalGroupCommand',
    params: [{ name: 'Name', type: 'string[]', position: 0 }],
    run: (call) => {
      const names = call.params.Name as string[] | undefined;
      const groups = Object.values(w.groups);
      const emit = (g: (typeof groups)[number]) =>
        call.output(
          new PsObject(
            'Microsoft.PowerShell.Commands.LocalGroup',
            {
              Name: g.name,
              Description: g.description,
              SID: g.sid,
              PrincipalSource: 'Local',
              ObjectClass: 'Group',
            },
            () => g.name,
          ),
        );
      if (!names) groups.forEach(emit);
      else
        for (const n of names) {
          const g = w.groups[n.toLowerCase()];
          if (g) emit(g);
          else groupNotFound(call, n);
        }
    },
  });

  const groupParam = (call: CmdletCall) => {
    const raw = call.params.Group ?? call.params.Name;
    const name = raw instanceof PsObject ? toStr(raw.get('Name').value) : toStr(raw);
    const g = w.groups[name.replace(/^BUILTIN\\/i, '').toLowerCase()];
    if (!g) groupNotFound(call, name);
    return g;
  };

  def({
    name: 'Get-LocalGroupMember',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.GetLocalGroupMemberCommand',
    params: [
      { name: 'Group', type: 'object', position: 0 },
      { name: 'Name', type: 'string' },
      { name: 'Member', type: 'string', position: 1 },
    ],
    run: (call) => {
      if (!call.bound.has('Group') && !call.bound.has('Name'))
        call.fail({
          message: 'Cannot process command because of one or more missing mandatory parameters: Group.',
          category: 'InvalidArgument',
          reason: 'ParameterBindingException',
          errorId: 'MissingMandatoryParameter',
        });
      const g = groupParam(call);
      if (!g) return;
      const filter =
        call.params.Member === undefined
          ? undefined
          : wildcard(toStr(call.params.Member).replace(/^.*\\/, ''));
      for (const m of g.members) {
        if (filter && !filter.test(m)) continue;
        const u = w.users[m.toLowerCase()];
        const full = `${computer()}\\${u?.name ?? m}`;
        call.output(
          new PsObject(
            'Microsoft.PowerShell.Commands.LocalPrincipal',
            { Name: full, SID: u?.sid ?? '', PrincipalSource: 'Local', ObjectClass: 'User' },
            () => full,
          ),
        );
      }
    },
  });

  for (const [verb, add] of [
    ['Add', true],
    ['Remove', false],
  ] as const) {
    def({
      name: `${verb}-LocalGroupMember`,
      module: LOCAL_ACCOUNTS,
      className: `Microsoft.PowerShell.Commands.${verb}LocalGroupMemberCommand`,
      params: [
        { name: 'Group', type: 'object', position: 0 },
        { name: 'Name', type: 'string' },
        { name: 'SID', type: 'string' },
        { name: 'Member', type: 'object[]', position: 1, mandatory: true, pipeline: true },
      ],
      run: (call) => {
        if (!call.bound.has('Group') && !call.bound.has('Name'))
          call.fail({
            message: 'Cannot process command because of one or more missing mandatory parameters: Group.',
            category: 'InvalidArgument',
            reason: 'ParameterBindingException',
            errorId: 'MissingMandatoryParameter',
          });
        const g = groupParam(call);
        if (!g) return;
        for (const raw of enumerate(call.params.Member).flatMap((m) => enumerate(m))) {
          const given = raw instanceof PsObject ? toStr(raw.get('Name').value) : toStr(raw);
          const u = findUser(given);
          if (!u) {
            call.writeError({
              message: `Principal ${given} was not found.`,
              category: 'ObjectNotFound',
              targetName: given,
              reason: 'PrincipalNotFoundException',
              errorId: 'PrincipalNotFound',
            });
            continue;
          }
          const member = g.members.find((m) => m.toLowerCase() === u.name.toLowerCase());
          if (add && member) {
            call.writeError({
              message: `${computer()}\\${u.name} is already a member of group ${g.name}.`,
              category: 'ResourceExists',
              targetName: g.name,
              targetType: 'LocalGroup',
              reason: 'MemberExistsException',
              errorId: 'MemberExists',
            });
            continue;
          }
          if (!add && !member) {
            call.writeError({
              message: `Member ${given} was not found in group ${g.name}.`,
              category: 'ObjectNotFound',
              targetName: given,
              reason: 'MemberNotFoundException',
              errorId: 'MemberNotFound',
            });
            continue;
          }
          if (add) g.members.push(u.name);
          else g.members = g.members.filter((m) => m !== member);
        }
      },
    });
  }
}
