import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuestImage, GuestFs, Shell, type ShGuest } from '../../../lib/sim/index.ts';

/**
 * The emulated shell against the real one: each script runs in bash (when
 * this machine has it, in C.UTF-8 as Debian's default locale) and in the
 * emulated Debian guest, on the same directory path, and both must print the
 * same stdout and stderr and exit with the same status.
 */

function emulatedShell() {
  const guest = createGuestImage('linux', 'box');
  const fs = new GuestFs(guest.fs);
  const sh: ShGuest = { fs, guest, flavour: 'bash', hostname: 'box', account: (n) => guest.accounts[n] };
  return { fs, guest, sh };
}

async function runEmulated(sh: ShGuest, script: string, env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const shell = new Shell(sh, sh.guest.accounts.root!, env, '/root');
  const code = await shell.run(script, {
    stdin: { readAll: async () => Buffer.alloc(0) },
    out: { write: (c) => (stdout += c.toString()) },
    err: { write: (c) => (stderr += c.toString()) },
  });
  return { code, stdout, stderr };
}

const bash = existsSync('/bin/bash') && spawnSync('/bin/bash', ['-c', 'true']).status === 0;
const realDir = mkdtempSync(join(tmpdir(), 'pvecdk-shdiff-'));
const controlDir = mkdtempSync(join(tmpdir(), 'pvecdk-shdiff-ctl-'));
afterAll(() => {
  rmSync(realDir, { recursive: true, force: true });
  rmSync(controlDir, { recursive: true, force: true });
});

const CASES: string[] = [
  `printf '%s|%5s|%-3d|%x|%o|%%|%c\\n' a b 7 255 8 xyz`,
  `printf '%s\\n' "it's" 'a"b' "back\\\\slash" '$HOME'`,
  `printf '%d\\n' x; echo "rc=$?"`,
  `echo -n a; echo b; echo -e 'c\\td'; echo -- -n`,
  `x=1; test "$x" = 1 && echo yes || echo no`,
  `[ 1 -lt 2 ]; echo $?; [ a = b ]; echo $?; [ -z "" ]; echo $?`,
  `test 1 -eq x; echo "rc=$?"`,
  `[ a; echo "rc=$?"`,
  `mkdir -p "$D/a/b" && printf 'hi\\n' > "$D/a/b/f" && cat "$D/a/b/f" && sha256sum "$D/a/b/f"`,
  `cat "$D/nope"; echo "rc=$?"`,
  `rm "$D/nope"; echo "rc=$?"; rm -f "$D/nope"; echo "rc=$?"`,
  `mv "$D/nope" "$D/x"; echo "rc=$?"`,
  `mkdir "$D"; echo "rc=$?"`,
  `mkdir -p "$D/m" && rm "$D/m"; echo "rc=$?"; rm -r "$D/m"; echo "rc=$?"`,
  `set -u; echo "$UNSET_VAR_X"; echo not reached`,
  `set -e; false; echo not reached`,
  `set -e; false || echo recovered; if false; then :; fi; echo still here`,
  `for i in 1 2 3; do printf '%s,' "$i"; done; echo`,
  `if [ -d "$D" ]; then echo dir; elif true; then echo other; else echo none; fi`,
  `a="x  y"; for w in $a; do echo "[$w]"; done; echo "[$a]"`,
  `echo "$(printf 'a\\n\\n')b"; x=$(false); echo "rc=$?"`,
  `v=\${UNSET_Y:-default}; echo "$v \${#v} \${UNSET_Y+set}"; e=; echo "[\${e:-empty}] [\${e-unset}]"`,
  `cat <<'EOF'\n$HOME stays\nEOF\ncat <<EOF\nhome=$HOME\nEOF`,
  `echo 'unterminated`,
  `echo )`,
  `frobnicate --now; echo "rc=$?"`,
  `chmod 999 "$D"; echo "rc=$?"`,
  `cd /nonexistent; echo "rc=$?"`,
  `touch "$D/g1.tmp" "$D/g2.tmp" && echo "$D"/*.tmp && echo "$D"/*.none && echo '*'`,
  `printf '%s' abc | base64; printf 'YWJj' | base64 -d; echo; printf '!!' | base64 -d; echo "rc=$?"`,
  `echo a | tee "$D/tee.txt" >/dev/null; cat "$D/tee.txt"; grep -q a "$D/tee.txt"; echo "rc=$?"; grep -c zz "$D/tee.txt"; echo "rc=$?"`,
  `head -n 1 "$D/nope"; echo "rc=$?"`,
  `! true; echo $?; ! false; echo $?`,
  `{ echo a; echo b; } > "$D/grp"; cat "$D/grp"; (cd /; pwd); pwd >/dev/null`,
  `echo to-err >&2; echo out; echo both 2>&1`,
  `exit 3`,
  `x=5; (x=6; exit 2); echo "x=$x rc=$?"`,
  `cp "$D/nope" "$D/c"; echo "rc=$?"; mkdir -p "$D/cp"; cp "$D/cp" "$D/cp2"; echo "rc=$?"`,
  `ln -s target "$D/link" && readlink "$D/link" && [ -L "$D/link" ] && echo is-link`,
  `while false; do :; done; until true; do :; done; echo loops`,
  `echo "a'b" 'c"d' a\\ b "\\$x" '\\n'`,
  `wc -l < "$D/grp"; wc -c "$D/grp"`,
  `command -v sha256sum nope; echo "rc=$?"; command -v nope; echo "rc=$?"; type cd cat nope; echo "rc=$?"`,
  `printf 'a b\nc d\n' | while read x y; do echo "[$x|$y]"; done; eval 'echo e; false'; echo "rc=$?"`,
  `exec echo replaced; echo not reached`,
  `basename /a/b.txt .txt; dirname /a/b/c; dirname x; seq 2 4; realpath /usr/bin/../bin/cat; env A=1 sh -c 'echo "$A"'`,
  `x=~; y=~root/z; echo "$x $y ~"`,
  `set -euo pipefail; false | true; echo not reached`,
  `set -o pipefail; false | true; echo "rc=$?"; set +o pipefail; false | true; echo "rc=$?"; set -o nosuchoption; echo "rc=$?"`,
  `set -x; echo "a b" c; A=1 true`,
];

/** Runs every case in real bash once (one process: forking from a test worker is slow), each on a fresh $D. */
function runRealBash(): Array<{ code: number; stdout: string; stderr: string }> {
  for (const [i, c] of CASES.entries()) writeFileSync(join(controlDir, `case_${i}.sh`), c);
  const driver = [
    `for i in $(seq 0 ${CASES.length - 1}); do`,
    '  rm -rf "$D" && mkdir -p "$D"',
    // sshd runs the login shell as `bash -c` with argv[0] `bash`.
    '  (cd / && exec -a bash /bin/bash -c "$(cat "$CTL/case_$i.sh")") >"$CTL/out_$i" 2>"$CTL/err_$i" </dev/null',
    '  echo $? >"$CTL/rc_$i"',
    'done',
  ].join('\n');
  const env = {
    D: realDir,
    CTL: controlDir,
    HOME: '/root',
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
  };
  spawnSync('/bin/bash', ['-c', driver], { env, timeout: 60_000 });
  return CASES.map((_c, i) => ({
    code: Number(readFileSync(join(controlDir, `rc_${i}`), 'utf8')),
    stdout: readFileSync(join(controlDir, `out_${i}`), 'utf8'),
    stderr: readFileSync(join(controlDir, `err_${i}`), 'utf8'),
  }));
}

describe.skipIf(!bash)('sh dialect against bash', () => {
  let real: Array<{ code: number; stdout: string; stderr: string }> = [];
  beforeAll(() => {
    real = runRealBash();
  });

  it.each(CASES.map((c, i) => [c, i] as const))(
    'GIVEN %j WHEN run in bash and in the emulated guest THEN output and status match',
    async (script, i) => {
      const { fs, sh } = emulatedShell();
      fs.mkdir(realDir, { recursive: true });
      const emulated = await runEmulated(sh, script, { D: realDir, LANG: 'C.UTF-8' });
      expect(emulated).toEqual(real[i]);
    },
  );
});

describe('sh dialect', () => {
  it('GIVEN a non-root user WHEN writing where only root may THEN permission is denied, and sudo -n works only for sudoers', async () => {
    const { guest, sh, fs } = emulatedShell();
    guest.accounts.ann = { name: 'ann', uid: 1001, gid: 1001, home: '/home/ann', shell: '/bin/bash' };
    fs.mkdir('/home/ann');
    fs.chown('/home/ann', 1001, 1001);
    const run = async (script: string) => {
      let stdout = '';
      let stderr = '';
      const code = await new Shell(sh, guest.accounts.ann!).run(script, {
        stdin: { readAll: async () => Buffer.alloc(0) },
        out: { write: (c) => (stdout += c.toString()) },
        err: { write: (c) => (stderr += c.toString()) },
      });
      return { code, stdout, stderr };
    };
    expect(await run('echo x > /etc/x')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'bash: line 1: /etc/x: Permission denied\n',
    });
    expect(await run('echo x > ~/x && cat ~/x')).toEqual({ code: 0, stdout: 'x\n', stderr: '' });
    expect(await run('sudo -n true')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'sudo: a password is required\n',
    });
    expect(await run('cat /root/.profile')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'cat: /root/.profile: Permission denied\n',
    });
    guest.accounts.ann!.sudo = true;
    expect(await run('sudo -n mkdir /srv/app && sudo -n nosuchtool')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'sudo: nosuchtool: command not found\n',
    });
    expect(fs.stat('/srv/app')).toMatchObject({ type: 'dir', uid: 0 });
  });

  it('GIVEN constructs the emulated shell does not have WHEN used THEN they are refused as syntax errors, not run as something else', async () => {
    const { sh } = emulatedShell();
    expect(await runEmulated(sh, 'sleep 1 &', {})).toMatchObject({ code: 2 });
    expect(await runEmulated(sh, 'case x in x) echo y;; esac', {})).toMatchObject({ code: 2 });
    expect((await runEmulated(sh, 'echo $((1+1))', {})).stderr).toContain(
      'arithmetic expansion is not supported',
    );
  });
});
