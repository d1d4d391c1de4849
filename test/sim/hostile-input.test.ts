import { describe, expect, it } from 'vitest';
import { Emulator, seedState } from '../../lib/sim/index.ts';

function setup() {
  const emulator = new Emulator(seedState(), { latencyScale: 0, checkAnswers: true });
  const authorization = `PVEAPIToken=root@pam!pvecdk=${emulator.state.tokens['root@pam!pvecdk']!.secret}`;
  const send = (method: string, url: string, body = '', contentType = 'application/json') => {
    const res = emulator.handle({
      method,
      url: `/api2/json${url}`,
      headers: { authorization, 'content-type': contentType },
      body,
    });
    return { ...res, json: res.body ? (JSON.parse(res.body) as { errors?: Record<string, string> }) : {} };
  };
  return { emulator, send };
}

describe('hostile request input', () => {
  it('GIVEN a JSON body with __proto__ WHEN posted THEN it is an unknown parameter (400) and no prototype takes its values', () => {
    const { emulator, send } = setup();
    const res = send(
      'POST',
      '/access/users',
      '{"__proto__": {"userid": "ghost@pve", "enable": 1}, "userid": "a@pve"}',
    );
    expect(res.status).toBe(400);
    expect(Object.entries(res.json.errors ?? {})).toEqual([
      ['__proto__', 'property is not defined in schema and the schema does not allow additional properties'],
    ]);
    expect(emulator.state.users['a@pve']).toBeUndefined();
    expect(emulator.state.users['ghost@pve']).toBeUndefined();
    expect(({} as Record<string, unknown>).userid).toBeUndefined();
  });

  it('GIVEN form keys named like Object.prototype members WHEN posted THEN each is an unknown parameter', () => {
    const { send } = setup();
    const res = send(
      'POST',
      '/access/users',
      'userid=b@pve&constructor=x&__proto__=y',
      'application/x-www-form-urlencoded',
    );
    expect(res.status).toBe(400);
    expect(Object.keys(res.json.errors ?? {}).sort()).toEqual(['__proto__', 'constructor']);
  });

  it("GIVEN text that is not JSON, or JSON that is not an object WHEN posted as JSON THEN 500 with the parser's words, as pveproxy answers from extract_params", () => {
    const { send } = setup();
    const bad = send('POST', '/access/users', '{"userid": ');
    expect(bad.status).toBe(500);
    expect(bad.reason).toMatch(/^malformed JSON string/);
    expect(send('POST', '/access/users', '["userid"]').reason).toBe('Not a HASH reference');
  });

  it('GIVEN malformed percent-encoding in a path or query WHEN sent THEN it stays literal (uri_unescape) and parameter checks answer 400', () => {
    const { send } = setup();
    const path = send('GET', '/nodes/pve1/qemu/%zz/config');
    expect(path.status).toBe(400);
    expect(path.json.errors).toEqual({ vmid: "type check ('integer') failed - got '%zz'" });
    const bytes = send('GET', '/nodes/pve1/qemu/%E0%A4%A/config');
    expect(bytes.status).toBe(400);
    const query = send('GET', '/cluster/resources?type=%');
    expect(query.status).toBe(400);
  });
});
