/**
 * Percent-decoding as pveproxy does it (URI::Escape's uri_unescape, then
 * UTF-8): every `%XX` with two hex digits becomes its byte; anything else,
 * such as `%zz` or a lone `%`, stays as written; bytes that are not UTF-8
 * become U+FFFD. It never fails: a malformed path reaches parameter checks.
 */
export function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) =>
    Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
  );
}
