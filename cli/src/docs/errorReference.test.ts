import { errorReferenceAnchor } from '@cloister/protocol';
import { ERROR_PACKAGES, loadErrorDefinitions, readErrorReference, renderErrorReference } from './errorReference';

describe('docs/errors.md', () => {
  const definitions = loadErrorDefinitions();
  const reference = readErrorReference();

  it('has an anchor for every error code of every package', () => {
    expect(new Set(definitions.map((d) => d.package))).toEqual(new Set(ERROR_PACKAGES));
    const missing = definitions.filter((d) => !reference.includes(`<a id="${errorReferenceAnchor(d.code)}"></a>`));
    expect(missing.map((d) => d.code)).toEqual([]);
  });

  it('is what the registries generate (run `npm run docs:errors -w cli` after changing an error)', () => {
    expect(reference).toBe(renderErrorReference(definitions));
  });

  it('every code is CLOISTER_ERR_… and defined once', () => {
    const codes = definitions.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^CLOISTER_ERR_[A-Z0-9_]+$/);
  });
});
