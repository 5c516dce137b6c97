import { getAddress } from 'ethers';
import type { Redis } from 'ioredis';
import type { ChainEvent } from './types';

/** What the watcher saw a participant commit: the hash, and the opening of the round it belongs to. */
export type SeenCommitment = {
  /** Deadline of the round opening the commit was made in (RoundOpened carries it; it names the opening). */
  deadline: bigint;
  /** sha256 of the ciphertext, lower-case 0x hex. */
  ciphertextHash: string;
};

/** A position in chain order. */
type Position = { block: number; logIndex: number };
type Opening = Position & { deadline: bigint };

/** The field that holds the round's latest opening seen; participant fields are addresses (0x…), never this. */
const OPENING = 'opening';

/**
 * How long a round's record is kept after its deadline. Uploads end at the deadline plus the upload grace (seconds to
 * minutes); a record that expired earlier than an upload needed it only costs that upload the chain read.
 */
const KEEP_AFTER_DEADLINE_SECONDS = 24 * 3600;

const after = (a: Position, b: Position) => a.block > b.block || (a.block === b.block && a.logIndex > b.logIndex);

function parseOpening(raw: string | null): Opening | null {
  if (!raw) return null;
  const [deadline, block, logIndex] = raw.split(':');
  return { deadline: BigInt(deadline!), block: Number(block), logIndex: Number(logIndex) };
}

/**
 * The commitments the chain watcher saw (`UpdateCommitted` events, confirmed as every event it hands over), so that an
 * upload is checked against its commitment without a chain call: the upload route reads this first and calls
 * `commitmentOf` only when the watcher has not seen the commit (yet) or the record disagrees with the bytes. In Redis,
 * not in this process: only the instance holding the watcher's lease sees events, every instance serves uploads.
 *
 * A commitment belongs to one opening of a round (a reopened round starts from an empty committed set), and the event
 * does not say which: it is the latest `RoundOpened` before it in chain order. `<prefix>commitments:<taskId>:<round>`
 * keeps that opening (deadline and chain position) and, per participant, `<deadline>:<hash>`; the route accepts a
 * record only for the opening it checked (same deadline). A commit is recorded only when its opening is known and
 * precedes it, so a range handed over again (the watcher retries a range whose handling failed) cannot attribute an
 * earlier attempt's commit to a later opening, and commits before the first opening seen are left to the chain read.
 */
export class CommitmentIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key(taskId: bigint, round: bigint): string {
    return `${this.keyPrefix}commitments:${taskId}:${round}`;
  }

  /** Records the openings and commits among one watcher range's events (in chain order): two Redis round trips. */
  async record(events: readonly ChainEvent[]): Promise<void> {
    const relevant = events.filter((e) => e.name === 'RoundOpened' || e.name === 'UpdateCommitted');
    if (relevant.length === 0) return;
    const keys = [...new Set(relevant.map((e) => this.key(e.taskId, e.round)))];
    const read = this.redis.pipeline();
    for (const key of keys) read.hget(key, OPENING);
    const stored = (await read.exec()) ?? [];
    const openings = new Map<string, Opening | null>();
    keys.forEach((key, i) => {
      const [error, raw] = stored[i] ?? [new Error('no reply'), null];
      if (error) throw error;
      openings.set(key, parseOpening(raw as string | null));
    });
    const write = this.redis.pipeline();
    for (const event of relevant) {
      const key = this.key(event.taskId, event.round);
      const at: Position = { block: event.blockNumber, logIndex: event.logIndex };
      const opening = openings.get(key) ?? null;
      if (event.name === 'RoundOpened') {
        if (opening && !after(at, opening)) continue; // seen already (a range handed over again)
        const deadline = BigInt(event.args.deadline as bigint);
        openings.set(key, { ...at, deadline });
        write.hset(key, OPENING, `${deadline}:${at.block}:${at.logIndex}`);
        write.expireat(key, Number(deadline) + KEEP_AFTER_DEADLINE_SECONDS);
      } else if (opening && after(at, opening)) {
        const participant = getAddress(String(event.args.participant));
        write.hset(key, participant, `${opening.deadline}:${String(event.args.ciphertextHash).toLowerCase()}`);
      }
    }
    for (const [error] of (await write.exec()) ?? []) if (error) throw error;
  }

  /** What the watcher saw `participant` commit in the round's latest opening it knows; null when it saw nothing. */
  async seen(taskId: bigint, round: bigint, participant: string): Promise<SeenCommitment | null> {
    const raw = await this.redis.hget(this.key(taskId, round), participant);
    if (!raw) return null;
    const [deadline, ciphertextHash] = raw.split(':');
    return { deadline: BigInt(deadline!), ciphertextHash: ciphertextHash! };
  }
}
