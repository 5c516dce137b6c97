// The initial JavaScript (the entry script and every chunk it imports statically, as the built index.html and the
// chunks name them) must stay under 300 KB gzip. Chunks loaded on demand (the Sapphire wrapper) do not count.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, it } from 'node:test';

import { INITIAL_JS_BUDGET_BYTES, initialScriptSizes } from './support/initialScripts';
const DIST = path.join(__dirname, '..', 'dist');

describe('the production build', () => {
  it('loads at most 300 KB gzip of JavaScript initially', () => {
    const sizes = initialScriptSizes(DIST);
    assert.ok(sizes.length >= 1, 'index.html names an entry script');
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
