import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { getAddress } from 'ethers';
import {
  AddressSchema,
  ErrorResponseSchema,
  HEADERS,
  recoverUpdateSigner,
  ROUND_STATE,
  RoundParamsSchema,
  UploadResponseSchema,
} from '@cloister/protocol';
import { uploadLimitFor } from '../../config';
import { DeadlinePassedError, HashNotCommittedError, NotAdmittedError, RoundMismatchError, RoundNotOpenError, TaskNotFoundError, UnsupportedMediaTypeError, UpdateConflictError, UpdateNotFoundError, UploadSignatureInvalidError, UploadSignatureMissingError, UploadTooLargeError } from '../../errors';
import { updateKey } from '../../store';
import { ZERO_HASH } from '../../chain/types';
import { ReadCache } from '../../chain/readCache';
import { CoalescedRuns } from '../../rounds/coalescedRuns';
import type { App } from '../typebox';
import { acceptBinaryStreams, BinaryBody } from '../binaryBody';
import { setTimeout as sleep } from 'node:timers/promises';

const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;
const UpdateParams = Type.Object({ ...RoundParamsSchema.properties, participant: AddressSchema });

/** Update ciphertexts: participants upload (streamed, hashed, checked against the chain); the aggregator fetches. */
export default async function updateRoutes(app: App): Promise<void> {
  acceptBinaryStreams(app);
  const cfg = app.config.uploads;
  // Hot-path views shared by concurrent uploads for a moment. Admission: the task's admitted set is shared for 5 s
  // (one read instead of one per upload; a removal takes effect within 5 s, as when each answer was cached), and an
  // account missing from it is asked about afresh (so a set read before its admission never refuses it). Commitments
  // are never cached (they come from the watcher's record or the chain).
  const reads = new ReadCache();
  const completionChecks = new CoalescedRuns<boolean>();

  /** Polls commitmentOf until it is set or the wait is over (the commit transaction may still be in flight). */
  async function waitForCommitment(taskId: bigint, round: bigint, participant: string): Promise<string> {
    const until = Date.now() + cfg.commitmentWaitMs;
    for (;;) {
      const c = (await app.chain.commitmentOf(taskId, round, participant)).toLowerCase();
      if (c !== ZERO_HASH || Date.now() >= until) return c;
      await sleep(Math.min(cfg.commitmentPollMs, Math.max(1, until - Date.now())));
    }
  }

  /**
   * Where the commitment of an upload comes from. The chain watcher's record of the commit event settles it without a
   * chain call (the Hardhat node answering one eth_call per upload shared the cores with the uploads) when it is for
   * the opening the route checked and matches the bytes. Anything else is the chain's word: the record is read at
   * once and, when the watcher has not seen the commit, commitmentOf is read at once too (in parallel with the body,
   * as before); a record of another opening or with another hash makes the route read the chain after the body, so a
   * watcher that lags or errs can delay an upload but never refuse it.
   */
  function commitmentLookup(taskId: bigint, round: bigint, participant: string) {
    const seen = app.commitments.seen(taskId, round, participant).catch(() => null);
    const chainRead = () => app.chain.commitmentOf(taskId, round, participant).catch(() => ZERO_HASH);
    const early = seen.then((s) => (s === null ? chainRead() : null));
    return {
      /** Whether the watcher's record settles it: committed `hash` in the opening that ends at `deadline`. */
      async seen(deadline: bigint, hash: string): Promise<boolean> {
        const s = await seen;
        return s !== null && s.deadline === deadline && s.ciphertextHash === hash;
      },
      /** The chain's commitment, polled while it is zero and the wait is not over (the commit may be in flight). */
      async onChain(): Promise<string> {
        const first = ((await early) ?? (await chainRead())).toLowerCase();
        return first !== ZERO_HASH ? first : waitForCommitment(taskId, round, participant);
      },
    };
  }

  /** Admission through the task's shared admitted set, else (not in it) the chain's answer for this account. */
  async function isAdmitted(taskId: bigint, participant: string): Promise<boolean> {
    const admitted = await reads.get(`admitted:${taskId}`, 5000, async () => new Set(await app.chain.admittedParticipants(taskId)));
    return admitted.has(participant) || app.chain.isAdmitted(taskId, participant);
  }

  /** Task exists, round is its current one, participant admitted, round accepting uploads: returns the round. */
  async function checkRound(taskId: bigint, round: bigint, participant: string) {
    // eslint-disable-next-line prefer-const
    let [task, admitted] = await Promise.all([
      reads.get(`task:${taskId}`, 1000, () => app.chain.getTask(taskId)),
      isAdmitted(taskId, participant),
    ]);
    if (task && round !== task.currentRound) task = await app.chain.getTask(taskId); // the cached view may be a moment old
    if (!task) throw new TaskNotFoundError(`task ${taskId} does not exist on chain`);
    if (round !== task.currentRound) {
      throw new RoundMismatchError(`task ${taskId} is at round ${task.currentRound}, not ${round}`, { details: { currentRound: Number(task.currentRound) } });
    }
    if (!admitted) throw new NotAdmittedError(`${participant} is not admitted to task ${taskId}`);
    // eslint-disable-next-line prefer-const
    let [state, chainNow] = await Promise.all([
      reads.get(`round:${taskId}:${round}`, 500, () => app.chain.getRound(taskId, round)),
      reads.get('now', 1000, () => app.chain.now()),
    ]);
    if (state.state !== ROUND_STATE.Open && state.state !== ROUND_STATE.Closed) state = await app.chain.getRound(taskId, round);
    const wall = BigInt(Math.floor(Date.now() / 1000));
    const now = chainNow > wall ? chainNow : wall;
    if (state.state !== ROUND_STATE.Open && state.state !== ROUND_STATE.Closed) {
      throw new RoundNotOpenError(`round ${round} of task ${taskId} is not accepting uploads (state ${state.state})`);
    }
    if (now > state.deadline + BigInt(cfg.graceSeconds) || (await app.rounds.aggregationEnqueued(taskId, round, state.openedAt))) {
      throw new DeadlinePassedError(`round ${round} of task ${taskId} passed its deadline (${state.deadline}) and upload grace`);
    }
    return state;
  }

  app.put(
    '/v1/tasks/:taskId/rounds/:round/updates',
    {
      schema: {
        tags: ['updates'],
        params: RoundParamsSchema,
        consumes: ['application/octet-stream'],
        headers: Type.Object({ [HEADERS.signature]: Type.Optional(Type.String()), authorization: Type.Optional(Type.String()) }),
        response: {
          200: UploadResponseSchema,
          ...Object.fromEntries([400, 401, 403, 404, 409, 413, 415].map((s) => [s, ErrorResponseSchema])),
        },
      },
    },
    async (request, reply) => {
      const started = process.hrtime.bigint();
      const participant = app.auth.participantOf(request);
      const signature = request.headers[HEADERS.signature];
      if (typeof signature !== 'string' || !SIGNATURE.test(signature)) {
        throw new UploadSignatureMissingError(`send ${HEADERS.signature}: the EIP-712 SealedUpdate signature (signUpdateDigest) over sha256(ciphertext)`);
      }
      if (!(request.body instanceof Readable)) throw new UnsupportedMediaTypeError('send the ciphertext as application/octet-stream');
      const taskId = BigInt(request.params.taskId);
      const round = BigInt(request.params.round);
      const log = request.log.child({ taskId: String(taskId), round: Number(round), participant });
      const limit = uploadLimitFor(app.config, taskId);
      const declared = Number(request.headers['content-length'] ?? NaN);
      if (declared > limit) {
        reply.header('connection', 'close');
        throw new UploadTooLargeError(`update of ${declared} bytes exceeds task ${taskId}'s limit of ${limit}`, { details: { maxBytes: limit } });
      }

      // The body streams to staging (hashed on the fly) while the chain checks run; a failed check aborts it.
      const abort = new AbortController();
      const staging = app.store.put(request.body, { maxBytes: limit, signal: abort.signal });
      staging.catch(() => undefined);
      const commitment = commitmentLookup(taskId, round, participant);
      let state: Awaited<ReturnType<typeof checkRound>>;
      try {
        state = await checkRound(taskId, round, participant);
      } catch (error) {
        abort.abort(error);
        await staging.then((s) => s.discard(), () => undefined);
        reply.header('connection', 'close');
        throw error;
      }
      // Read while the body streams, not after it: an earlier upload of this participant for this opening.
      const previousUpload = app.uploads.get(taskId, round, state.openedAt, participant);
      previousUpload.catch(() => undefined);
      let staged;
      try {
        staged = await staging;
      } catch (error) {
        reply.header('connection', 'close');
        throw error;
      }
      try {
        const hash = staged.sha256;
        let signer: string | null = null;
        try {
          signer = recoverUpdateSigner({ chainId: app.chain.chainId, contractAddress: app.chain.taskManagerAddress, taskId, round, ciphertextHash: hash }, signature);
        } catch {
          signer = null;
        }
        if (signer === null || getAddress(signer) !== participant) {
          throw new UploadSignatureInvalidError(`${HEADERS.signature} is not ${participant}'s signature over ${hash} for task ${taskId} round ${round}`);
        }
        // The upload that completes the set enqueues the aggregation. A process that died after recording an upload and
        // before that check leaves it to the participant's retry (a duplicate), so duplicates check too; otherwise the
        // round waited for the whole upload grace. `state` was read when the upload began (Open or Closed): the round
        // may have closed while the body streamed, its close-time check running before this record was written, so an
        // upload that began in an Open round checks too once the records reach the commitments counted then (fewer
        // cannot be complete). Concurrent uploads share the check, which reads the round itself, each waiting for one
        // that started after its record was written.
        const enqueueIfComplete = async () => {
          if (state.state === ROUND_STATE.Open && (await app.uploads.count(taskId, round, state.openedAt)) < state.committedCount) return;
          await completionChecks
            .run(`${taskId}:${round}:${state.openedAt}`, async () => app.rounds.maybeEnqueueAggregation(taskId, round, await app.chain.getRound(taskId, round), false))
            .catch((err) => log.warn({ err }, 'upload: aggregation check failed'));
        };
        const previous = await previousUpload;
        if (previous) {
          if (previous.ciphertextHash === hash) {
            await enqueueIfComplete();
            return { ciphertextHash: hash, size: previous.size, duplicate: true };
          }
          throw new UpdateConflictError(`${participant} already uploaded ${previous.ciphertextHash} for this round`);
        }
        const seenByWatcher = await commitment.seen(state.deadline, hash);
        if (!seenByWatcher) {
          const onChain = await commitment.onChain();
          if (onChain === ZERO_HASH) {
            throw new HashNotCommittedError(`no commitment from ${participant} for task ${taskId} round ${round} after ${cfg.commitmentWaitMs} ms: commit(${hash}) first`);
          }
          if (onChain !== hash) {
            throw new UpdateConflictError(`the bytes hash to ${hash} but the on-chain commitment is ${onChain}`);
          }
        }
        const key = updateKey(hash);
        if (!(await app.store.has(key))) await staged.commit(key);
        const rec = { participant, ciphertextHash: hash, size: staged.size, key, signature, receivedAt: Date.now() };
        const result = await app.uploads.record(taskId, round, state.openedAt, rec);
        if (!result.created) {
          // A concurrent upload of the same participant won the race.
          if (result.existing.ciphertextHash === hash) {
            await enqueueIfComplete();
            return { ciphertextHash: hash, size: staged.size, duplicate: true };
          }
          throw new UpdateConflictError(`${participant} already uploaded ${result.existing.ciphertextHash} for this round`);
        }
        app.metrics.uploads.inc({ duplicate: 'false' });
        app.metrics.uploadBytes.inc(staged.size);
        app.metrics.uploadSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        log.info({ hash, size: staged.size }, 'upload: stored');
        // Its commit is mined: the watcher reads it now (the round closes when it fills), unless it has seen it already.
        if (!seenByWatcher) app.chain.sawActivity?.();
        await enqueueIfComplete();
        return { ciphertextHash: hash, size: staged.size, duplicate: false };
      } finally {
        await staged.discard();
      }
    },
  );

  app.get(
    '/v1/tasks/:taskId/rounds/:round/updates/:participant',
    { schema: { tags: ['updates'], params: UpdateParams, response: { 200: BinaryBody, 401: ErrorResponseSchema, 404: ErrorResponseSchema } } },
    async (request, reply) => {
      await app.auth.requireAggregator(request);
      const taskId = BigInt(request.params.taskId);
      const round = BigInt(request.params.round);
      const participant = getAddress(request.params.participant.toLowerCase());
      // The round view (for openedAt, which keys the records) is shared with the upload path for ≤ 500 ms.
      const state = await reads.get(`round:${taskId}:${round}`, 500, () => app.chain.getRound(taskId, round));
      const rec = await app.uploads.get(taskId, round, state.openedAt, participant);
      const object = rec ? await app.store.get(rec.key) : null;
      if (!rec || !object) throw new UpdateNotFoundError(`no update from ${participant} for task ${taskId} round ${round}`);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', object.size)
        .header(HEADERS.signature, rec.signature)
        .header('x-cloister-ciphertext-hash', rec.ciphertextHash)
        .send(object.stream);
    },
  );
}
