import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FilesystemStore } from './FilesystemStore';
import { blobKey, updateKey } from './ArtifactStore';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function chunked(data: Buffer, size = 64 * 1024): Readable {
  return Readable.from((function* () {
    for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
  })());
}

describe('FilesystemStore', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cloister-fs-'));
  const store = new FilesystemStore(dir);

  it('hashes while streaming and commits atomically under the key', async () => {
    const data = randomBytes(1024 * 1024 + 17);
    const staged = await store.put(chunked(data));
    const expected = `0x${createHash('sha256').update(data).digest('hex')}`;
    expect(staged.sha256).toBe(expected);
    expect(staged.size).toBe(data.length);
    const key = blobKey(expected);
    expect(await store.has(key)).toBe(false);
    await staged.commit(key);
    await staged.discard(); // no-op after commit
    expect(await store.has(key)).toBe(true);
    const got = await store.get(key);
    expect(got!.size).toBe(data.length);
    expect((await readAll(got!.stream)).equals(data)).toBe(true);
    await store.delete(key);
    expect(await store.has(key)).toBe(false);
    expect(await store.get(key)).toBeNull();
  });

  it('enforces maxBytes mid-stream and leaves nothing staged', async () => {
    const data = randomBytes(300 * 1024);
    await expect(store.put(chunked(data), { maxBytes: 200 * 1024 })).rejects.toMatchObject({ code: 'CLOISTER_ERR_UPLOAD_TOO_LARGE' });
    expect(readdirSync(path.join(dir, '.staging'))).toEqual([]);
  });

  it('discards staged bytes', async () => {
    const staged = await store.put(Readable.from([Buffer.from('abc')]));
    await staged.discard();
    expect(readdirSync(path.join(dir, '.staging'))).toEqual([]);
  });

  it('propagates a source error and cleans up', async () => {
    const source = new Readable({ read() {} });
    const p = store.put(source);
    source.push(Buffer.alloc(10));
    source.destroy(new Error('client went away'));
    await expect(p).rejects.toThrow(/client went away|closed the connection/);
    expect(readdirSync(path.join(dir, '.staging'))).toEqual([]);
  });

  it('stops and cleans up when the signal aborts mid-stream', async () => {
    const source = new Readable({ read() {} });
    const ac = new AbortController();
    const p = store.put(source, { signal: ac.signal });
    source.push(Buffer.alloc(1024));
    await new Promise((r) => setTimeout(r, 20));
    ac.abort(new Error('not admitted'));
    await expect(p).rejects.toThrow('not admitted');
    expect(source.destroyed).toBe(false);
    expect(readdirSync(path.join(dir, '.staging'))).toEqual([]);
  });

  it('rejects keys that could escape the store', async () => {
    await expect(store.get('../etc/passwd')).rejects.toThrow(/invalid artifact key/);
    expect(() => updateKey('zz')).toThrow(/invalid artifact key/);
  });
});
