// Nothing of development ships in production. The production packages (what the aggregator's TEE image, the
// coordinator's server and a participant's client install) are walked through their `dependencies`, transitively, as
// npm would install them with `--omit=dev`; the walk fails on a development module (the local chain, the Sapphire
// emulation, the development appd). Their sources are also scanned for imports of the development entry points, which a
// dependency list alone would not show inside the monorepo (every workspace package is installed there).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const PRODUCTION = ['protocol', 'model-runtime', 'contracts', 'coordinator', 'aggregator-rofl', 'client'];
/** Modules that emulate what only a development machine lacks, or compile and run a local chain. */
const DEVELOPMENT_MODULES = ['hardhat', 'solc', '@cloister/devstack', '@cloister/development-appd', '@cloister/infra', '@cloister/simulation'];
const DEVELOPMENT_IMPORTS = [/['"]@cloister\/contracts\/development['"]/, /['"]@cloister\/(devstack|development-appd|infra|simulation)['"]/, /['"](hardhat|solc)(\/[^'"]*)?['"]/];

type PackageJson = { name: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };

function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The folder npm installs `name` into for a package in `fromDir` (node_modules lookup, upwards). */
function installedDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Every module in the production install of the package in `dir`, with the chain of dependencies that brings it. */
function productionClosure(dir: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue: { dir: string; path: string[] }[] = [{ dir, path: [readPackage(dir).name] }];
  while (queue.length > 0) {
    const { dir: current, path } = queue.shift()!;
    const manifest = readPackage(current);
    // Optional dependencies are installed when they can be; a development module there would ship too.
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      if (seen.has(name)) continue;
      seen.set(name, [...path, name]);
      const found = installedDir(name, current);
      if (found) queue.push({ dir: found, path: [...path, name] });
    }
  }
  return seen;
}

function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(sourceFiles(path));
    else if (/\.(ts|js)$/.test(name) && !/\.test\.ts$/.test(name)) out.push(path);
  }
  return out;
}

describe('production dependency closure', () => {
  it.each(PRODUCTION)('%s installs no development module', (pkg) => {
    const closure = productionClosure(join(ROOT, pkg));
    const offending = DEVELOPMENT_MODULES.filter((name) => closure.has(name)).map((name) => closure.get(name)!.join(' → '));
    expect(offending).toEqual([]);
    // The walk reached the package's real dependencies (a broken walk would pass the check above vacuously).
    expect(closure.has('ethers') || pkg === 'model-runtime').toBe(true);
  });

  it.each(PRODUCTION)('%s sources import no development entry point', (pkg) => {
    // contracts' own development entry (src/development/) is the one place those modules are loaded from.
    const files = sourceFiles(join(ROOT, pkg, 'src')).filter((file) => !file.includes(join('contracts', 'src', 'development')));
    expect(files.length).toBeGreaterThan(0);
    const offending = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((text, index) => ({ text, line: index + 1 }))
        .filter(({ text }) => /\b(import|require|from)\b/.test(text) && DEVELOPMENT_IMPORTS.some((pattern) => pattern.test(text)))
        .map(({ line, text }) => `${relative(ROOT, file)}:${line}: ${text.trim()}`),
    );
    expect(offending).toEqual([]);
  });

  it("the aggregator image copies exactly the aggregator's production workspace packages", () => {
    // Docker cannot run here: the Dockerfile is checked against the closure instead. Its final stage must hold every
    // @cloister package the aggregator needs at run time (a missing one breaks the image) and no development one.
    const dockerfile = readFileSync(join(ROOT, 'aggregator-rofl', 'Dockerfile'), 'utf8');
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const copied = [...finalStage.matchAll(/^COPY --from=build \/src\/([a-z-]+)\/dist /gm)].map((m) => m[1]!).sort();
    const needed = [...productionClosure(join(ROOT, 'aggregator-rofl')).keys()]
      .filter((name) => name.startsWith('@cloister/'))
      .map((name) => name.slice('@cloister/'.length))
      .concat('aggregator-rofl')
      .sort();
    expect(copied).toEqual(needed);
  });

  it('finds a development module when one is a production dependency (the check can fail)', () => {
    // infra runs the local development network: its closure must contain the local chain.
    const closure = productionClosure(join(ROOT, 'infra'));
    expect(closure.has('hardhat')).toBe(true);
    expect(closure.has('@cloister/devstack')).toBe(true);
  });
});
