// Which scripts a first visit loads before the page can run: the entry chunk index.html names and, transitively,
// the chunks it imports statically. Chunks loaded on demand (import()) are not part of it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** The budget of initial JavaScript, gzip-compressed. */
export const INITIAL_JS_BUDGET_BYTES = 300 * 1024;

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

/** Gzip size (level 9) of each initial script. */
export function initialScriptSizes(dist: string): { file: string; gzip: number }[] {
  return initialScripts(dist).map((file) => ({ file, gzip: gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length }));
}
