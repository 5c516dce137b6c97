// The dashboard's production build: static files with content-hashed names under dist/assets, relative URLs (the
// coordinator serves it under /dashboard/, any other static server may put it elsewhere), no CDN, no source maps.
// The contracts' ABIs and the protocol's codes come in through one virtual module, generated here from the
// compiled artifacts (abi only: the artifacts' bytecode would weigh as much as the app) and @cloister/protocol.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const CONTRACTS = ['TaskManager', 'CloisterGovernance', 'RewardVault', 'ParticipantRegistry'] as const;
const VIRTUAL = 'virtual:cloister-contracts';
const require = createRequire(import.meta.url);

function cloisterContracts(): Plugin {
  const contractsDir = path.dirname(require.resolve('@cloister/contracts/package.json'));
  return {
    name: 'cloister-contracts',
    resolveId: (id) => (id === VIRTUAL ? `\0${VIRTUAL}` : null),
    load(id) {
      if (id !== `\0${VIRTUAL}`) return null;
      const abis = Object.fromEntries(
        CONTRACTS.map((name) => {
          const file = path.join(contractsDir, 'artifacts', 'contracts', `${name}.sol`, `${name}.json`);
          this.addWatchFile(file);
          return [name, (JSON.parse(readFileSync(file, 'utf8')) as { abi: unknown }).abi];
        }),
      );
      const protocol = require('@cloister/protocol') as { EXCLUSION_REASON: object; ROUND_STATE: object; ROUND_FAILURE_REASON?: object };
      const { SCORE_TOTAL } = require('@cloister/contracts') as { SCORE_TOTAL: number };
      return [
        `export const abis = ${JSON.stringify(abis)};`,
        `export const EXCLUSION_REASON = ${JSON.stringify(protocol.EXCLUSION_REASON)};`,
        `export const ROUND_STATE = ${JSON.stringify(protocol.ROUND_STATE)};`,
        `export const ROUND_FAILURE_REASON = ${JSON.stringify(protocol.ROUND_FAILURE_REASON ?? {})};`,
        `export const SCORE_TOTAL = ${JSON.stringify(Number(SCORE_TOTAL))};`,
      ].join('\n');
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [cloisterContracts()],
  // protocol's EIP-4361 writer has no imports: the page bundles its source instead of the Node package.
  resolve: { alias: { '@cloister/protocol/signInMessage': path.join(path.dirname(require.resolve('@cloister/protocol/package.json')), 'src', 'auth', 'signInMessage.ts') } },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', assetsDir: 'assets', sourcemap: false, emptyOutDir: true, target: 'es2022', modulePreload: { polyfill: false } },
});
