// Every configuration variable is CLOISTER_*: the production sources (environment reads), the container and compose
// files and the example environment files are scanned. A variable read from the environment under another name fails
// this test with the file and line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const PACKAGES = ['protocol', 'devstack', 'contracts', 'coordinator', 'aggregator-rofl', 'development-appd', 'client', 'infra', 'simulation', 'cli'];
// Variables set by the platform, not by Cloister's configuration.
const PLATFORM = new Set(['HOME', 'PATH', 'NODE_ENV', 'CI', 'TMPDIR', 'HARDHAT_NETWORK']);

function files(dir: string, keep: (file: string) => boolean): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(files(path, keep));
    else if (keep(path)) out.push(path);
  }
  return out;
}

/** `NAME` of every environment read or setting in `text`, with its line. */
function variables(text: string, kind: 'source' | 'container'): { name: string; line: number }[] {
  const patterns =
    kind === 'source'
      ? [/process\.env\.([A-Z][A-Z0-9_]*)/g, /process\.env\[['"]([A-Z][A-Z0-9_]*)['"]\]/g, /\benv\.([A-Z][A-Z0-9_]*)/g, /\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g, /\.env\(['"]([A-Z][A-Z0-9_]*)['"]\)/g]
      : [/^\s*-?\s*([A-Z][A-Z0-9_]*)[=:]/gm, /^ENV\s+(.*)$/gm];
  const found: { name: string; line: number }[] = [];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      const line = text.slice(0, match.index).split('\n').length;
      const names = pattern.source.startsWith('^ENV') ? [...match[1]!.matchAll(/([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1]!) : [match[1]!];
      for (const name of names) found.push({ name, line });
    }
  }
  return found;
}

describe('configuration variables', () => {
  it('are all CLOISTER_* in the production sources', () => {
    const bad: string[] = [];
    for (const pkg of PACKAGES) {
      for (const file of files(join(ROOT, pkg, 'src'), (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
        for (const { name, line } of variables(readFileSync(file, 'utf8'), 'source')) {
          if (!name.startsWith('CLOISTER_') && !PLATFORM.has(name)) bad.push(`${relative(ROOT, file)}:${line} ${name}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('are all CLOISTER_* in the Dockerfiles, compose files, ROFL manifests and example environment files', () => {
    const container = [
      ...files(join(ROOT, 'aggregator-rofl'), (f) => /(Dockerfile|compose\.ya?ml|rofl\.ya?ml)$/.test(f)),
      ...files(join(ROOT, 'infra', 'deploy'), (f) => /(Dockerfile[^/]*|compose\.ya?ml|rofl\.ya?ml|\.env)$/.test(f)),
    ];
    expect(container.length).toBeGreaterThan(4);
    const bad: string[] = [];
    for (const file of container) {
      const text = readFileSync(file, 'utf8');
      const inEnvironment = file.endsWith('.env') || /Dockerfile/.test(file);
      // compose/rofl: only the `environment:` blocks hold variables.
      const scanned = inEnvironment ? text : [...text.matchAll(/environment:\n((?:\s{6,}.*\n?)+)/g)].map((m) => m[1]).join('\n');
      for (const { name, line } of variables(scanned, 'container')) {
        if (!name.startsWith('CLOISTER_') && !PLATFORM.has(name)) bad.push(`${relative(ROOT, file)}:${line} ${name}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
