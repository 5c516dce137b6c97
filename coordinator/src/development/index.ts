/**
 * @cloister/coordinator/development: what only a development or test setup needs, kept out of the production entry
 * (`@cloister/coordinator`). The coordinator's configuration on a local test deployment (developmentConfig).
 */
export * from './developmentConfig';
