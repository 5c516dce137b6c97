import { summarizeConfig } from '@cloister/protocol';
import { CLI_CONFIG, loadCliConfig } from './config';
import { CLI_ERROR_CODES, exitCodeOf, EXIT } from './errors';

describe('cloister command line configuration (protocol loadConfig)', () => {
  it('reads every CLOISTER_* variable a command uses; flags win', () => {
    const env = {
      CLOISTER_CONNECTION: '/net/connection.json',
      CLOISTER_KEY: '/net/keys/member-1.key',
      CLOISTER_JSON: '1',
      CLOISTER_LOG_LEVEL: 'warn',
      CLOISTER_PASSPHRASE: 'correct horse',
      CLOISTER_OPERATOR_TOKEN: 'operator-secret',
    };
    expect(loadCliConfig({ key: '/flag.key' }, env)).toMatchObject({
      connection: '/net/connection.json',
      key: '/flag.key',
      json: true,
      logLevel: 'warn',
      passphrase: 'correct horse',
      operatorToken: 'operator-secret',
    });
    expect(loadCliConfig({}, {})).toEqual({ json: false, logLevel: 'info' });
    const summary = summarizeConfig(CLI_CONFIG, loadCliConfig({}, env));
    expect(summary).not.toContain('correct horse');
    expect(summary).not.toContain('operator-secret');
  });

  it('a bad value is a usage error (exit code 2) that names the variable', () => {
    let thrown: unknown;
    try {
      loadCliConfig({}, { CLOISTER_LOG_LEVEL: 'loud' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: CLI_ERROR_CODES.usage });
    expect(String((thrown as Error).message)).toContain('CLOISTER_LOG_LEVEL');
    expect(exitCodeOf(thrown)).toBe(EXIT.usage);
    expect(() => loadCliConfig({}, { CLOISTER_PRIVATE_KEY: 'not-a-key' })).toThrow(/privateKey/);
  });
});
