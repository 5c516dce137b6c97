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

/** Writes the body to a staging file as it arrives, then renames it into place. */
function store(directory: string, req: IncomingMessage): Promise<void> {
  const name = `upload-${(uploads += 1)}`;
  const staged = path.join(directory, '.staging', name);
  const out = createWriteStream(staged, { flags: 'wx', highWaterMark: 1024 * 1024 });
  req.pipe(out);
  return new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  }).then(() => rename(staged, path.join(directory, name)));
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const hash = createHash('sha256');
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    hash.update(chunk);
  });
  const answer = () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ciphertextHash: `0x${hash.digest('hex')}`, size }));
  };
  if (storeDirectory === undefined) req.on('end', answer);
  else store(storeDirectory, req).then(answer, () => res.writeHead(500).end());
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`READY http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
