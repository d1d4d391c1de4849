import { Emulator, seedState } from '../../lib/sim/index.ts';

/** An in-process emulator (no port) and a form-encoded caller with root's API token. */
export function emulatorWithCaller() {
  const emulator = new Emulator(seedState(), { latencyScale: 0, checkAnswers: true });
  const auth = `PVEAPIToken=root@pam!pvecdk=${emulator.state.tokens['root@pam!pvecdk']!.secret}`;
  const call = (method: string, path: string, params: Record<string, string | number> = {}): unknown => {
    const form = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    const withQuery = method === 'GET' || method === 'DELETE';
    const res = emulator.handle({
      method,
      url: `/api2/json${path}${withQuery && form ? `?${form}` : ''}`,
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: withQuery ? '' : form,
    });
    const json = res.body
      ? (JSON.parse(res.body) as { data: unknown; errors?: Record<string, string> })
      : { data: undefined };
    if (res.status !== 200)
      throw new Error(`${res.status} ${res.reason} ${JSON.stringify(json.errors ?? {})}`);
    return json.data;
  };
  /** Tasks end on timers; at latency scale 0 a turn of the event loop ends them. */
  const settle = () => new Promise((r) => setTimeout(r, 5));
  /** The exit status of a task by its UPID. */
  const exitOf = (upid: unknown) => emulator.tasks.get(String(upid))?.exitstatus;
  return { emulator, state: emulator.state, call, settle, exitOf };
}
