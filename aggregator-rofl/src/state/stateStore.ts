import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where strategies and the DP accountant keep state between rounds (server optimizer moments, privacy spent). In ROFL
 * the file store points at the app's persistent storage (`resources.storage.kind: disk-persistent`).
 */
export interface StateStore {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, value: Uint8Array): Promise<void>;
}

/** In-process store (tests, one-shot runs). */
export class MemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Uint8Array>();
  async get(key: string): Promise<Uint8Array | null> {
    const v = this.entries.get(key);
    return v === undefined ? null : v.slice();
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    this.entries.set(key, value.slice());
  }
}

/** One file per key under `dir`; writes go to a temporary file first and are renamed (atomic on POSIX). */
export class FileStateStore implements StateStore {
  constructor(private readonly dir: string) {}

  private fileOf(key: string): string {
    const safe = key.replace(/[^A-Za-z0-9._-]/g, '_');
    return path.join(this.dir, `${safe}.bin`);
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(this.fileOf(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.fileOf(key);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, value);
    await rename(tmp, file);
  }
}

/** A small binary record: JSON header + named float64 vectors. */
export type StateRecord = { meta: Record<string, unknown>; vectors: Record<string, Float64Array> };

export function encodeState(record: StateRecord): Uint8Array {
  const names = Object.keys(record.vectors);
  const header = Buffer.from(
    JSON.stringify({ meta: record.meta, vectors: names.map((n) => [n, record.vectors[n]!.length]) }),
  );
  const pad = (8 - ((4 + header.length) % 8)) % 8;
  const total = 4 + header.length + pad + names.reduce((a, n) => a + record.vectors[n]!.length * 8, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, header.length + pad, true);
  out.set(header, 4);
  out.fill(0x20, 4 + header.length, 4 + header.length + pad);
  let offset = 4 + header.length + pad;
  for (const n of names) {
    const v = record.vectors[n]!;
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
    offset += v.byteLength;
  }
  return out;
}

export function decodeState(bytes: Uint8Array): StateRecord {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(4, 4 + headerLength)).toString('utf8')) as {
    meta: Record<string, unknown>;
    vectors: [string, number][];
  };
  let offset = 4 + headerLength;
  const vectors: Record<string, Float64Array> = {};
  for (const [name, length] of header.vectors) {
    const copy = bytes.slice(offset, offset + length * 8);
    if (copy.byteLength !== length * 8) throw new RangeError(`state vector ${name} truncated`);
    vectors[name] = new Float64Array(copy.buffer, 0, length);
    offset += length * 8;
  }
  return { meta: header.meta, vectors };
}
