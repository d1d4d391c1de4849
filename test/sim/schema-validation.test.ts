import { describe, expect, it } from 'vitest';
import { Emulator, seedState } from '../../lib/sim/index.ts';

const emulator = new Emulator(seedState(), { latencyScale: 0, checkAnswers: true });
const secret = emulator.state.tokens['root@pam!pvecdk']!.secret;
const headers = {
  authorization: `PVEAPIToken=root@pam!pvecdk=${secret}`,
  'content-type': 'application/x-www-form-urlencoded',
};

function call(method: string, path: string, body = '') {
  const res = emulator.handle({ method, url: `/api2/json${path}`, headers, body });
  return {
    ...res,
    json: res.body
      ? (JSON.parse(res.body) as { data: unknown; errors?: Record<string, string>; message?: string })
      : undefined,
  };
}

const SAMPLE: Record<string, string> = { node: 'pve1', vmid: '9001' };
const fill = (template: string) => template.replace(/\{([^}]+)\}/g, (_m, n: string) => SAMPLE[n] ?? 'x');

describe('schema validation', () => {
  it('GIVEN an unknown path or a method the path lacks WHEN called THEN 501 like Proxmox', () => {
    expect(call('GET', '/nodes/pve1/bogus')).toMatchObject({
      status: 501,
      reason: "Method 'GET /nodes/pve1/bogus' not implemented",
    });
    expect(call('DELETE', '/version')).toMatchObject({
      status: 501,
      reason: "Method 'DELETE /version' not implemented",
    });
  });

  it("GIVEN every method the schema lists WHEN a required parameter is missing THEN 400 names it with Proxmox's text", () => {
    let checked = 0;
    const failures: string[] = [];
    for (const { template, method, info } of emulator.schema.methods()) {
      const props = info.parameters?.properties ?? {};
      const pathParams = new Set([...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!));
      // Methods whose only required parameters are in the path cannot miss one: there is nothing to leave out.
      const required = Object.entries(props).filter(
        ([k, p]) => !p.optional && !k.endsWith('[n]') && !pathParams.has(k),
      );
      if (required.length === 0) continue;
      checked += 1;
      const res = call(method, fill(template));
      const missing = required
        .map(([k]) => k)
        .filter((k) => res.json?.errors?.[k] !== 'property is missing and it is not optional');
      if (res.status !== 400 || res.reason !== 'Parameter verification failed.' || missing.length) {
        failures.push(`${method} ${template}: ${res.status} ${res.reason} missing=${missing.join(',')}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(140);
  });

  it("GIVEN malformed values WHEN sent THEN each parameter gets Proxmox's message", () => {
    const res = call(
      'POST',
      '/nodes/pve1/qemu/9001/config',
      new URLSearchParams({
        cores: 'abc',
        onboot: 'true',
        ostype: 'beos',
        memory: '8',
        net0: 'virtio,bridge=vmbr1,speed=fast',
        name: 'bad_name',
        bogus: '1',
      }).toString(),
    );
    expect(res.status).toBe(400);
    expect(res.json?.errors).toEqual({
      cores: "type check ('integer') failed - got 'abc'",
      onboot: "type check ('boolean') failed - got 'true'",
      ostype: expect.stringMatching(/^value 'beos' does not have a value in the enumeration 'other, wxp, /),
      memory: 'invalid format - current: value must have a minimum value of 16',
      net0: "invalid format - property 'speed' is not defined in the format",
      name: 'invalid format - value does not look like a valid DNS name',
      bogus: 'property is not defined in schema and the schema does not allow additional properties',
    });
    expect(res.json?.message).toBe('Parameter verification failed.\n');
  });

  it('GIVEN a JSON body WHEN booleans are true/false THEN they are accepted', () => {
    const res = emulator.handle({
      method: 'PUT',
      url: '/api2/json/nodes/pve1/qemu/9002/config',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ onboot: true, description: 'json body' }),
    });
    expect(res.status).toBe(200);
    expect(emulator.state.vms[9002]!.config).toMatchObject({ onboot: 1, description: 'json body' });
  });

  it('GIVEN a body on GET or an unknown content type WHEN sent THEN refused like Proxmox', () => {
    expect(emulator.handle({ method: 'GET', url: '/api2/json/version', headers, body: 'a=1' })).toMatchObject(
      {
        status: 501,
        reason: "Unexpected content for method 'GET'",
      },
    );
    expect(
      emulator.handle({
        method: 'POST',
        url: '/api2/json/nodes/pve1/qemu/9001/config',
        headers: { ...headers, 'content-type': 'text/plain' },
        body: 'x',
      }).status,
    ).toBe(506);
  });
});
