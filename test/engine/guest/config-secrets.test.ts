import { describe, expect, it } from 'vitest';
import {
  fillSecretMarkers,
  markersIn,
  requireNoMarkers,
} from '../../../lib/engine/guest/pfsense/config-secrets.ts';
import {
  entryDifferences,
  entryValue,
  HIDDEN,
  hideSecrets,
} from '../../../lib/engine/guest/pfsense/entry-compare.ts';

const PEM = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIabcdefghijklmnop\n-----END PRIVATE KEY-----\n';
const SECRETS: Record<string, string> = { 'generated:k': PEM, 'env:NAME': 'a<b & "c"' };
const resolve = (ref: string) => {
  const v = SECRETS[ref];
  if (v === undefined) throw new TypeError(`no ${ref}`);
  return v;
};

describe('secrets in config.xml entries', () => {
  it('GIVEN markers in key fields and in text WHEN filled THEN key fields hold base64 as pfSense stores them, text is XML-escaped, and every form is listed for masking', () => {
    const xml =
      '<cert>\n  <prv>{{secret:generated:k}}</prv>\n  <descr>for {{secret:env:NAME}}</descr>\n</cert>';
    const { text, values } = fillSecretMarkers(xml, resolve);

    expect(text).toBe(
      `<cert>\n  <prv>${Buffer.from(PEM).toString('base64')}</prv>\n  <descr>for a&lt;b &amp; &quot;c&quot;</descr>\n</cert>`,
    );
    expect(values).toEqual(
      expect.arrayContaining([
        PEM,
        Buffer.from(PEM).toString('base64'),
        'MC4CAQAwBQYDK2VwBCIEIabcdefghijklmnop',
      ]),
    );
    expect(markersIn(xml)).toEqual(['env:NAME', 'generated:k']);
    expect(() => requireNoMarkers(text, 'the new config.xml')).not.toThrow();
    expect(() => requireNoMarkers(xml, 'the new config.xml')).toThrow(
      expect.objectContaining({
        code: 'PFSENSE_VERIFY_FAILED',
        message: expect.stringContaining('env:NAME, generated:k'),
      }),
    );
  });

  it('GIVEN a marker whose secret cannot be resolved WHEN filled THEN the resolver error stops it', () => {
    expect(() => fillSecretMarkers('<tls>{{secret:generated:missing}}</tls>', resolve)).toThrow(
      'no generated:missing',
    );
  });

  it('GIVEN a found entry WHEN its secrets are hidden THEN a held secret reads as its marker, another value as differing, and other key material as (hidden)', () => {
    const wanted = entryValue('<cert><refid>a</refid><prv>{{secret:generated:k}}</prv></cert>');
    const stored = (field: string, ref: string) =>
      field === 'prv' ? Buffer.from(resolve(ref)).toString('base64') : resolve(ref);

    const held = hideSecrets(
      entryValue(`<cert><refid>a</refid><prv>${Buffer.from(PEM).toString('base64')}</prv></cert>`),
      wanted,
      stored,
    );
    const other = hideSecrets(
      entryValue('<cert><refid>a</refid><prv>c29tZXRoaW5nIGVsc2U=</prv><tls>c2VjcmV0</tls></cert>'),
      wanted,
      stored,
    );

    expect(entryDifferences(held, wanted)).toEqual([]);
    expect(entryDifferences(other, wanted)).toEqual([
      { path: 'prv', from: '(hidden: not the value of secret generated:k)', to: '{{secret:generated:k}}' },
      { path: 'tls', from: HIDDEN, to: undefined },
    ]);
    expect(JSON.stringify(other)).not.toMatch(/c29tZXRoaW5n|c2VjcmV0/);
  });

  it('GIVEN an entry pfSense rewrote (tabs, CDATA, other field order, <x></x>) WHEN compared THEN nothing differs', () => {
    const ours = entryValue(
      '<rule>\n  <tracker>3000000001</tracker>\n  <source>\n    <any/>\n  </source>\n  <descr>pvecdk: x &amp; y</descr>\n</rule>',
    );
    const rewritten = entryValue(
      '<rule>\n\t\t\t<descr><![CDATA[pvecdk: x & y]]></descr>\n\t\t\t<source>\n\t\t\t\t<any></any>\n\t\t\t</source>\n\t\t\t<tracker>3000000001</tracker>\n\t\t</rule>',
    );
    expect(entryDifferences(rewritten, ours)).toEqual([]);
  });
});
