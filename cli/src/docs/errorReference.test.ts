import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloisterError, errorReferenceAnchor, errorRegistryProblems } from '@cloister/protocol';
import { ERROR_PACKAGES, loadErrorDefinitions, loadErrorModules, readErrorReference, renderErrorReference } from './errorReference';

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

  // Every package's registry in one place (they were checked package by package, some not at all): codes unique and
  // listed in the package's README, each exported error class named after itself and carrying one of its codes.
  it.each(ERROR_PACKAGES)('%s: every code is in its README and carried by one exported class named after itself', (pkg) => {
    const modules = loadErrorModules();
    const codes = definitions.filter((d) => d.package === pkg).map((d) => d.code);
    const readme = readFileSync(join(__dirname, '..', '..', '..', pkg, 'README.md'), 'utf8');
    // The classes exported under the name they were defined with (a subclass such as the coordinator's NotYetError
    // shares its parent's code and is not one of them).
    const ownClasses = Object.fromEntries(
      Object.entries(modules[pkg]).filter(([name, value]) => {
        const definition = (value as { definition?: { code: string; name: string } }).definition;
        return definition !== undefined && definition.name === name && codes.includes(definition.code);
      }),
    );
    expect(errorRegistryProblems({ codes, readme, classes: { exports: ownClasses, Base: CloisterError } })).toEqual([]);
  });
});
