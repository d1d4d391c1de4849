import { describe, expect, it } from 'vitest';
import { checkAnswer } from '../../lib/sim/answer-checker.ts';
import { SchemaIndex, type SchemaReturns } from '../../lib/sim/schema-index.ts';

const schema = SchemaIndex.load();
const returnsOf = (method: string, template: string): SchemaReturns =>
  schema.routes.find((r) => r.template === template)!.methods[method]!.returns!;

const UPID = 'UPID:pve1:0003A1F2:0157C0DE:6650A1B2:resize:100:root@pam!pvecdk:';

describe('answer checker', () => {
  it('GIVEN the task id PUT .../resize returns WHEN a UPID or null is checked THEN the UPID passes and null is a missing value', () => {
    const returns = returnsOf('PUT', '/nodes/{node}/qemu/{vmid}/resize');
    expect(checkAnswer(returns, UPID)).toEqual([]);
    expect(checkAnswer(returns, null)).toEqual([
      { field: 'data', problem: 'property is missing and it is not optional' },
    ]);
  });

  it('GIVEN a method that returns null WHEN a UPID comes back THEN it is named as not null', () => {
    expect(checkAnswer(returnsOf('PUT', '/nodes/{node}/qemu/{vmid}/config'), null)).toEqual([]);
    expect(checkAnswer(returnsOf('PUT', '/nodes/{node}/qemu/{vmid}/config'), UPID)).toEqual([
      { field: 'data', problem: `type check ('null') failed - value is not null (got '${UPID}')` },
    ]);
  });

  it('GIVEN task status WHEN a field has the wrong type or a required field is missing THEN each is named by its path', () => {
    const returns = returnsOf('GET', '/nodes/{node}/tasks/{upid}/status');
    const good = {
      upid: UPID,
      node: 'pve1',
      pid: 237042,
      pstart: 22528222,
      starttime: 1716560306,
      type: 'resize',
      id: '100',
      user: 'root@pam!pvecdk',
      status: 'running',
    };
    expect(checkAnswer(returns, good)).toEqual([]);
    const { node: _node, ...noNode } = good;
    expect(checkAnswer(returns, { ...noNode, pid: 'abc', status: 'done' })).toEqual([
      { field: 'data.node', problem: 'property is missing and it is not optional' },
      { field: 'data.pid', problem: "type check ('integer') failed - got 'abc'" },
      {
        field: 'data.status',
        problem: "value 'done' does not have a value in the enumeration 'running, stopped'",
      },
    ]);
  });

  it('GIVEN numbers as text, 0/1 booleans and fields the schema does not list WHEN checked THEN they pass, as in PVE::JSONSchema', () => {
    expect(checkAnswer(returnsOf('GET', '/cluster/nextid'), '100')).toEqual([]);
    const returns = returnsOf('GET', '/nodes/{node}/qemu/{vmid}/snapshot');
    expect(
      checkAnswer(returns, [
        { name: 'before', description: '', snaptime: 1718000000, vmstate: 0, parent: 'x', extra: { a: 1 } },
      ]),
    ).toEqual([]);
    expect(checkAnswer(returns, [{ name: 'before', description: '', vmstate: true }])).toEqual([]);
    expect(checkAnswer(returns, [{ name: 'before', description: '', vmstate: 'yes' }])).toEqual([
      { field: 'data[0].vmstate', problem: "type check ('boolean') failed - got 'yes'" },
    ]);
  });

  it('GIVEN a schema that forbids other properties WHEN one is added THEN it is named', () => {
    const returns = returnsOf('POST', '/nodes/{node}/qemu/{vmid}/termproxy');
    const answer = { user: 'root@pam', ticket: 't', port: 5900, upid: UPID };
    expect(checkAnswer(returns, answer)).toEqual([]);
    expect(checkAnswer(returns, { ...answer, cert: 'PEM' })).toEqual([
      {
        field: 'data.cert',
        problem: 'property is not defined in schema and the schema does not allow additional properties',
      },
    ]);
  });

  it('GIVEN an array where an object belongs and an object where a string belongs WHEN checked THEN both are wrong types', () => {
    expect(checkAnswer(returnsOf('GET', '/version'), [])).toEqual([
      { field: 'data', problem: "type check ('object') failed - got an array" },
    ]);
    expect(checkAnswer(returnsOf('GET', '/cluster/backup'), [{ id: { nested: 1 } }])).toEqual([
      { field: 'data[0].id', problem: "type check ('string') failed - got an object" },
    ]);
  });

  it('GIVEN a VM config WHEN a property string has an unknown key THEN its format is named', () => {
    const returns = returnsOf('GET', '/nodes/{node}/qemu/{vmid}/config');
    expect(checkAnswer(returns, { digest: 'd', net0: 'virtio=BC:24:11:12:34:56,bridge=vmbr1' })).toEqual([]);
    expect(checkAnswer(returns, { digest: 'd', net0: 'virtio=BC:24:11:12:34:56,speed=fast' })).toEqual([
      { field: 'data.net0', problem: "invalid format - property 'speed' is not defined in the format" },
    ]);
  });
});
