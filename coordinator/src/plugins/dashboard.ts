import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { DashboardNotBuiltError } from '../errors';
import type { App } from '../routes/typebox';

/**
 * Where the dashboard's built assets are: the configured directory, else the dist/ of the @cloister/dashboard
 * package when it is installed next to the coordinator (resolved at run time, not a dependency: the dashboard's
 * browser tests start a coordinator, so a build-time dependency would be a cycle). null when there is no index.html.
 */
export function resolveDashboardDirectory(configured: string | undefined): string | null {
  let directory = configured;
  if (!directory) {
    try {
      directory = path.join(path.dirname(require.resolve('@cloister/dashboard/package.json')), 'dist');
    } catch {
      return null;
    }
  }
  return existsSync(path.join(directory, 'index.html')) ? directory : null;
}

/**
 * Serves the web dashboard's static build under /dashboard/. Hashed assets (assets/*) are cached for a year,
 * index.html never (it names the current hashes). Without a build, /dashboard/ answers a coded 404 saying how to build.
 */
export default async function dashboardPlugin(app: App, opts: { directory: string | undefined }): Promise<void> {
  const root = resolveDashboardDirectory(opts.directory);
  app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/dashboard/', 302));
  if (!root) {
    app.log.warn('dashboard: no build found (npm run build -w dashboard, or CLOISTER_DASHBOARD_DIR); /dashboard/ answers 404');
    app.get('/dashboard/*', { schema: { hide: true } }, async () => {
      throw new DashboardNotBuiltError('the dashboard is not built: run `npm run build -w dashboard` or set CLOISTER_DASHBOARD_DIR');
    });
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/dashboard/',
    decorateReply: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders(res, filePath) {
      const hashed = filePath.includes(`${path.sep}assets${path.sep}`);
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
