import canonicalize from 'canonicalize';

/**
 * A JSON value holding only what JSON can carry: bigints become their decimal strings, non-finite numbers (NaN,
 * ±Infinity) become null, `undefined` properties are dropped and `undefined` array items become null (as
 * `JSON.stringify` does). RFC 8785 refuses non-finite numbers and bigints, and a metrics document may hold both (an
 * undefined ratio, a wei amount), so documents are normalized first rather than refused.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toJsonValue);
  const normalized: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item !== undefined) normalized[key] = toJsonValue(item);
  }
  return normalized;
}

/**
 * The RFC 8785 (JSON Canonicalization Scheme) text of a document after `toJsonValue`: keys sorted by UTF-16 code
 * units, no white space, ECMAScript number form. The stored bytes of task specs and metrics documents, so an auditor
 * can recompute their on-chain sha256 with any RFC 8785 implementation.
 */
export function canonicalJson(value: unknown): string {
  return canonicalize(toJsonValue(value)) as string;
}
