import { XMLBuilder } from 'fast-xml-parser';

/**
 * One XML builder for every renderer: two-space indent, empty elements as
 * `<any/>`, attributes written as given (`true` stays `"true"`), and the
 * library doing all escaping.
 */
const builder = new XMLBuilder({
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
});

/** An empty element, present-means-on in pfSense (`<enable/>`). */
export const FLAG = '';

export function buildXml(tree: Record<string, unknown>): string {
  return builder.build(tree).trimEnd();
}
