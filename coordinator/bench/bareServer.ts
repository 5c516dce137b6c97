// Baseline for the upload benchmark: a bare node:http server that only hashes request bodies (sha256).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const hash = createHash('sha256');
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    hash.update(chunk);
  });
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ciphertextHash: `0x${hash.digest('hex')}`, size }));
  });
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`READY http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
