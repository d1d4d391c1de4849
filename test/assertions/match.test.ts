import { describe, expect, it } from 'vitest';
import { Capture, Match } from '../../lib/assertions/index.ts';
import { matchLike } from '../../lib/assertions/match.ts';

const nic = { bridge: 'vmbr1', model: 'virtio', firewall: true };
const vm = {
  node_name: 'pve1',
  cpu: { cores: 4, type: 'host' },
  network_device: [nic, { ...nic, bridge: 'vmbr2' }],
  tags: ['a', 'b'],
};

const lines = (pattern: unknown, actual: unknown) => matchLike(pattern, actual).toLines();

describe('Match', () => {
  it('GIVEN objectLike WHEN extra keys exist THEN it passes; WHEN a nested value differs THEN the path is named', () => {
    expect(lines(Match.objectLike({ cpu: { cores: 4 } }), vm)).toEqual([]);
    expect(lines(Match.objectLike({ cpu: { cores: 8 } }), vm)).toEqual(['/cpu/cores: expected 8, got 4']);
    expect(lines(Match.objectLike({ memory: { dedicated: 1 } }), vm)).toEqual([
      '/memory: missing (expected {"dedicated":1})',
    ]);
  });

  it('GIVEN objectEquals WHEN the object has other keys THEN each unexpected key is named', () => {
    expect(lines(Match.objectEquals({ cores: 4, type: 'host' }), vm.cpu)).toEqual([]);
    expect(lines(Match.objectEquals({ cores: 4 }), vm.cpu)).toEqual(['/type: unexpected key (value "host")']);
  });

  it('GIVEN arrayWith WHEN elements match in order THEN it passes; out of order or missing THEN it fails', () => {
    expect(lines(Match.arrayWith([{ bridge: 'vmbr2' }]), vm.network_device)).toEqual([]);
    expect(lines(Match.arrayWith([{ bridge: 'vmbr1' }, { bridge: 'vmbr2' }]), vm.network_device)).toEqual([]);
    expect(lines(Match.arrayWith([{ bridge: 'vmbr2' }, { bridge: 'vmbr1' }]), vm.network_device)[0]).toMatch(
      /^\/: no element \(after index 1\) matches pattern element 1: \{"bridge":"vmbr1"\}/,
    );
    expect(lines(Match.arrayWith(['c']), 'abc')).toEqual(['/: expected an array, got "abc"']);
  });

  it('GIVEN a literal array in a pattern WHEN lengths differ THEN the length mismatch is reported', () => {
    expect(lines({ tags: ['a'] }, vm)).toEqual(['/tags: expected an array of 1 elements, got 2: ["a","b"]']);
    expect(lines({ network_device: [{}, { bridge: 'vmbr3' }] }, vm)).toEqual([
      '/network_device/1/bridge: expected "vmbr3", got "vmbr2"',
    ]);
  });

  it('GIVEN arrayEquals and exact WHEN nested objects have extra keys THEN they fail, unlike literals', () => {
    expect(lines(Match.arrayEquals(['a', 'b']), vm.tags)).toEqual([]);
    expect(lines(Match.exact({ bridge: 'vmbr1' }), nic)).toEqual([
      '/model: unexpected key (value "virtio")',
      '/firewall: unexpected key (value true)',
    ]);
  });

  it('GIVEN anyValue and absent WHEN keys are present or not THEN each says what it expected', () => {
    expect(lines({ node_name: Match.anyValue(), vm_id: Match.absent() }, vm)).toEqual([]);
    expect(lines({ vm_id: Match.anyValue() }, vm)).toEqual(['/vm_id: missing (expected "<anyValue>")']);
    expect(lines({ node_name: Match.absent() }, vm)).toEqual([
      '/node_name: expected to be absent, got "pve1"',
    ]);
    expect(lines(Match.anyValue(), null)).toEqual(['/: expected any value, got null']);
  });

  it('GIVEN stringLikeRegexp WHEN the string does not match or is not a string THEN the message shows the regexp', () => {
    expect(lines({ node_name: Match.stringLikeRegexp('^pve\\d$') }, vm)).toEqual([]);
    expect(lines({ node_name: Match.stringLikeRegexp(/^node/) }, vm)).toEqual([
      '/node_name: expected a string matching /^node/, got "pve1"',
    ]);
    expect(lines({ cpu: Match.stringLikeRegexp(/x/) }, vm)[0]).toMatch(
      /^\/cpu: expected a string matching \/x\/, got \{/,
    );
  });

  it('GIVEN not WHEN the inner pattern matches THEN it fails', () => {
    expect(lines({ node_name: Match.not('pve2') }, vm)).toEqual([]);
    expect(lines({ node_name: Match.not('pve1') }, vm)).toEqual([
      '/node_name: expected not to match "pve1", got "pve1"',
    ]);
  });

  it('GIVEN serializedJson WHEN the string holds matching JSON THEN it passes, else the inner path is named', () => {
    expect(lines(Match.serializedJson({ a: 1 }), '{"a":1}')).toEqual([]);
    expect(lines(Match.serializedJson({ a: 1 }), '{"a":2}')).toEqual(['/(json)/a: expected 1, got 2']);
    expect(lines(Match.serializedJson({ a: 1 }), 'not json')).toEqual([
      '/: expected a JSON string, got "not json"',
    ]);
  });
});

describe('Capture', () => {
  it('GIVEN captures in a pattern WHEN matched THEN the values can be read back with their types', () => {
    const cores = new Capture();
    const bridges = new Capture();
    expect(
      matchLike({ cpu: { cores }, network_device: [{ bridge: bridges }, { bridge: bridges }] }, vm).isSuccess,
    ).toBe(true);
    expect(cores.asNumber()).toBe(4);
    expect(bridges.asString()).toBe('vmbr1');
    expect(bridges.next()).toBe(true);
    expect(bridges.asString()).toBe('vmbr2');
    expect(bridges.next()).toBe(false);
    expect(() => cores.asString()).toThrow('Capture: captured value is not a string: 4');
  });

  it('GIVEN a capture with an inner pattern WHEN the value does not match THEN nothing is captured', () => {
    const c = new Capture(Match.stringLikeRegexp(/^vmbr/));
    expect(matchLike({ node_name: c }, vm).toLines()).toEqual([
      '/node_name: expected a string matching /^vmbr/, got "pve1"',
    ]);
    expect(() => c.asString()).toThrow('nothing was captured');
  });
});
