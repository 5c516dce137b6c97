import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeConfig } from '@cloister/protocol';
import { CLIENT_CONFIG, DEFAULT_HOME, loadClientConfig } from './config';
import { ConfigInvalidError } from './errors';

describe('client configuration (protocol loadConfig)', () => {
  it('layers defaults ← CLOISTER_CONFIG file ← CLOISTER_* variables ← flags', () => {
    expect(loadClientConfig({}, {})).toEqual({
      rpcUrl: 'http://127.0.0.1:8545',
      deployment: '',
      coordinator: 'http://127.0.0.1:8080',
      keystore: join(DEFAULT_HOME, 'keystore.json'),
      stateDir: join(DEFAULT_HOME, 'state'),
    });
    const file = join(mkdtempSync(join(tmpdir(), 'cloister-client-config-')), 'client.json');
    writeFileSync(file, JSON.stringify({ rpcUrl: 'http://file:8545', coordinator: 'http://file:8080', stateDir: '/file/state' }));
    const env = { CLOISTER_CONFIG: file, CLOISTER_RPC_URL: 'http://env:8545', CLOISTER_DEPLOYMENT: '/env/connection.json' };
    expect(loadClientConfig({ rpcUrl: 'http://flag:8545', keystore: undefined }, env)).toMatchObject({
      rpcUrl: 'http://flag:8545',
      deployment: '/env/connection.json',
      coordinator: 'http://file:8080',
      stateDir: '/file/state',
      keystore: join(DEFAULT_HOME, 'keystore.json'),
    });
  });

  it('refuses a malformed value with the client ConfigInvalid error naming the variable, and redacts URL passwords', () => {
    expect(() => loadClientConfig({}, { CLOISTER_COORDINATOR_URL: 'coordinator:8080' })).toThrow(ConfigInvalidError);
    expect(() => loadClientConfig({}, { CLOISTER_COORDINATOR_URL: 'coordinator:8080' })).toThrow(/CLOISTER_COORDINATOR_URL/);
    const config = loadClientConfig({ rpcUrl: 'https://user:s3cret@rpc.example.org' }, {});
    expect(summarizeConfig(CLIENT_CONFIG, config)).not.toContain('s3cret');
  });
});
