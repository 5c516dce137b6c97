// The initial JavaScript (the entry script and every chunk it imports statically, as the built index.html and the
// chunks name them) must stay under 300 KB gzip. Chunks loaded on demand (the Sapphire wrapper) do not count.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';

export const INITIAL_JS_BUDGET_BYTES = 300 * 1024;
const DIST = path.join(__dirname, '..', 'dist');

/** The entry chunk named by index.html and, transitively, the chunks it imports statically. */
export function initialScripts(dist: string): string[] {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const entries = [...html.matchAll(/<script[^>]+type="module"[^>]+src="\.\/([^"]+)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\.\/([^"]+)"/g)].map((m) => m[1]!);
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(path.join(dist, file), 'utf8');
    // Static imports between chunks: `import ... from "./x.js"` / `import "./x.js"` (dynamic import() is excluded).
    for (const m of code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^'"();]*?from\s*)?["']\.\/([^"']+\.js)["']/g)) visit(path.posix.join(path.posix.dirname(file), m[1]!));
  };
  entries.forEach(visit);
  return [...seen];
}

describe('the production build', () => {
  it('loads at most 300 KB gzip of JavaScript initially', () => {
    const scripts = initialScripts(DIST);
    assert.ok(scripts.length >= 1, 'index.html names an entry script');
    const sizes = scripts.map((f) => ({ file: f, gzip: gzipSync(readFileSync(path.join(DIST, f)), { level: 9 }).length }));
    const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
    console.log(`initial JavaScript: ${(total / 1024).toFixed(1)} KB gzip (${sizes.map((s) => `${s.file} ${(s.gzip / 1024).toFixed(1)} KB`).join(', ')}); budget ${INITIAL_JS_BUDGET_BYTES / 1024} KB`);
    assert.ok(total <= INITIAL_JS_BUDGET_BYTES, `initial JavaScript is ${total} bytes gzip, over the ${INITIAL_JS_BUDGET_BYTES} budget`);
  });

  it('names every asset by its content hash and loads nothing from another origin', () => {
    const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 2, 'a script and a stylesheet');
    for (const asset of assets) assert.match(asset, /^assets\/[\w.-]+-[\w-]{8}\.(js|css)$/);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no CDN');
  });
});
