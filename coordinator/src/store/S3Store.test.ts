// No S3 server runs here: these tests cover configuration, key mapping and backend selection only.
import { createStore } from './index';
import { S3Store, s3ClientConfig } from './S3Store';
import { FilesystemStore } from './FilesystemStore';

const base = { kind: 's3' as const, bucket: 'cloister-models', region: 'eu-central-1', forcePathStyle: true, keyPrefix: 'prod/', stagingDirectory: '/tmp/cloister-s3-stage' };

describe('S3Store configuration', () => {
  it('is selected by kind: s3', () => {
    expect(createStore(base)).toBeInstanceOf(S3Store);
    expect(createStore({ kind: 'filesystem', directory: '/tmp/x' })).toBeInstanceOf(FilesystemStore);
  });

  it('maps store keys to prefixed object keys and validates them', () => {
    const store = new S3Store(base);
    const hex = 'a'.repeat(64);
    expect(store.objectKey(`blobs/${hex}`)).toBe(`prod/blobs/${hex}`);
    expect(() => store.objectKey('blobs/../../x')).toThrow(/invalid artifact key/);
  });

  it('passes endpoint, path style and static credentials to the client', async () => {
    const cfg = s3ClientConfig({ ...base, endpoint: 'http://127.0.0.1:9000', accessKeyId: 'AK', secretAccessKey: 'SK' });
    expect(cfg).toMatchObject({ region: 'eu-central-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
    const store = new S3Store({ ...base, endpoint: 'http://127.0.0.1:9000' });
    expect(await store.client.config.region()).toBe('eu-central-1');
    expect(s3ClientConfig(base)).not.toHaveProperty('credentials');
  });
});
