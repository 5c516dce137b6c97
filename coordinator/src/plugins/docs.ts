import swaggerUi from '@fastify/swagger-ui';
import type { App } from '../routes/typebox';

/**
 * A browsable UI for the coordinator's OpenAPI document at /docs (the document itself at /docs/json and /docs/yaml).
 * Swagger UI's assets come from the installed package: no CDN, works offline.
 */
export default async function docsPlugin(app: App): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    staticCSP: true,
  });
}
