// Baselines for the upload benchmark: a bare node:http server that hashes request bodies (sha256) and, when started
// with `--store <dir>`, also writes each body to its own file as the coordinator's filesystem store does (a staging
// file written as the bytes arrive, renamed into place, no fsync), then answers. The second one tells the work every
// storing server pays (page cache for the stored bytes) from the coordinator's own work per upload.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';

const at = process.argv.indexOf('--store');
const storeDirectory = at >= 0 ? process.argv[at + 1] : undefined;
if (storeDirectory !== undefined) mkdirSync(path.join(storeDirectory, '.staging'), { recursive: true });
let uploads = 0;

function answer(res: ServerResponse, ciphertextHash: string, size: number): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ciphertextHash, size }));
}

function hashOnly(req: IncomingMessage, res: ServerResponse): void {
  const hash = createHash('sha256');
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    hash.update(chunk);
  });
  req.on('end', () => answer(res, `0x${hash.digest('hex')}`, size));
}

function hashAndStore(directory: string, req: IncomingMessage, res: ServerResponse): void {
  const name = `upload-${(uploads += 1)}`;
  const staged = path.join(directory, '.staging', name);
  const out = createWriteStream(staged, { flags: 'wx', highWaterMark: 1024 * 1024 });
  const hash = createHash('sha256');
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    hash.update(chunk);
  });
  req.pipe(out);
  out.on('finish', () => {
    rename(staged, path.join(directory, name)).then(
      () => answer(res, `0x${hash.digest('hex')}`, size),
      () => res.writeHead(500).end(),
    );
  });
  out.on('error', () => res.writeHead(500).end());
}

const server = createServer((req, res) => (storeDirectory === undefined ? hashOnly(req, res) : hashAndStore(storeDirectory, req, res)));
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`READY http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
