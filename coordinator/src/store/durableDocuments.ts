import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { assertKey, type ArtifactStore } from './ArtifactStore';

/**
 * Small JSON documents kept in the artifact store, next to the ciphertexts: what must survive a Redis that lost its
 * data (upload records, the watcher's cursor, reopen counters). Redis stays the fast index; the store is the record.
 * A document is named by `namespace` + a free-form name; its key is `<namespace>/<sha256(name)>` (the store's key
 * format). Writes replace the document atomically (filesystem: temporary file + rename; S3: one PUT).
 */
export class DurableDocuments {
  constructor(private readonly store: ArtifactStore) {}

  keyOf(namespace: string, name: string): string {
    return assertKey(`${namespace}/${createHash('sha256').update(name).digest('hex')}`);
  }

  async write(namespace: string, name: string, value: unknown): Promise<void> {
    const staged = await this.store.put(Readable.from([Buffer.from(JSON.stringify(value))]));
    try {
      await staged.commit(this.keyOf(namespace, name));
    } finally {
      await staged.discard();
    }
  }

  async read<T>(namespace: string, name: string): Promise<T | null> {
    const object = await this.store.get(this.keyOf(namespace, name));
    if (!object) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of object.stream) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  }
}
