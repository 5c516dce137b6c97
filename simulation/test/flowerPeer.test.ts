import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureFlowerRounds, medianOfRounds2toR } from '../bench/flowerPeer';

describe("bench:round's Flower peer", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flower-peer-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the median of rounds 2..R, as bench_rounds.py does', () => {
    expect(medianOfRounds2toR([9, 1, 3, 2])).toBe(2);
    expect(medianOfRounds2toR([9, 1, 3, 2, 4])).toBe(2.5);
    expect(medianOfRounds2toR([5, 7])).toBe(6);
  });

  it('without the peer folder, returns the other sitting figure labelled as such, or none', async () => {
    const missing = join(dir, 'absent');
    const known = await measureFlowerRounds({ clients: 10, params: 1_000_000, rounds: 8, dir: missing });
    expect(known).toMatchObject({ kind: 'other-sitting', seconds: 0.233, when: expect.stringContaining('another sitting'), why: expect.stringContaining('no peer folder') });
    const unknown = await measureFlowerRounds({ clients: 7, params: 1000, rounds: 8, dir: missing });
    expect(unknown).toMatchObject({ kind: 'none' });
  });

  it("runs the peer script with the same N, P and R and reads its per-round round_s", async () => {
    // A stand-in for bench_rounds.py with the same command line and JSON output (the real one needs Flower's
    // Python packages, which CI does not install): it echoes its arguments into the rows.
    const peer = join(dir, 'peer');
    mkdirSync(peer);
    writeFileSync(
      join(peer, 'bench_rounds.py'),
      [
        'import argparse, json',
        'ap = argparse.ArgumentParser()',
        "ap.add_argument('--n', type=int); ap.add_argument('--p', type=float); ap.add_argument('--rounds', type=int)",
        "ap.add_argument('--json'); ap.add_argument('--logdir')",
        'a = ap.parse_args()',
        "rows = [dict(round=r, round_s=0.1 * r, n_results=a.n, n_failures=0) for r in range(1, a.rounds + 1)]",
        "json.dump([dict(n=a.n, p=int(a.p), rows=rows)], open(a.json, 'w'))",
      ].join('\n'),
    );
    const python = join(dir, 'python3');
    // The availability probe imports numpy/grpc/protobuf: the stand-in interpreter answers it without them.
    writeFileSync(python, `#!/bin/sh\nif [ "$1" = "-c" ]; then exit 0; fi\nexec /usr/bin/env python3 "$@"\n`);
    chmodSync(python, 0o755);
    const figure = await measureFlowerRounds({ clients: 3, params: 1000, rounds: 4, dir: peer, python });
    expect(figure.kind).toBe('same-sitting');
    if (figure.kind !== 'same-sitting') return;
    expect(figure.rounds).toHaveLength(4);
    expect(figure.seconds).toBeCloseTo(0.3, 9); // median of 0.2, 0.3, 0.4
  });
});
