// The heart-disease federation end to end on the local stack, then the properties that must hold on chain and in
// the coordinator's store.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, loadDataset } from '@cloister/client';
import { siweLogin, SCORE_TOTAL } from '@cloister/contracts';
import { buildEnvelopeInfo, decodeTensors, decodeUpdate, generateRecipientKeyPair, openUpdateToBytes, sha256Hex } from '@cloister/protocol';
import { createLogger, startStack, type Stack } from '../src';
import { HEART_SITES, heartSiteConfig } from '../src/demo/datasets/heartDisease';
import { fetchModel, runFederation, type FederationResult } from '../src/demo/federation';
import { buildHeartTask } from '../src/demo/spec';
import { parseEther } from 'ethers';
import { runGovernanceCli } from '../src/governance/main';

jest.setTimeout(240_000);

const ROUNDS = 3;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('heart-disease federation end to end', () => {
  let stack: Stack;
  let result: FederationResult;
  const rewardPerRound = parseEther('1');

  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
    const logger = createLogger({ level: 'warn', output: { write: () => true } });
    stack = await startStack({ logger, participants: 4, redisUrl: '' });
    const task = buildHeartTask();
    const sites = HEART_SITES.map((site, i) => {
      const dataset = heartSiteConfig(site, i);
      return { name: site.name, dataset, local: loadDataset(dataset, { task: task.spec.data }) };
    });
    result = await runFederation(stack, {
      logger,
      task,
      sites,
      evaluation: sites.map((s) => ({ name: s.name, test: s.local.test })),
      rounds: ROUNDS,
      rewardPerRound,
      roundDuration: 300,
      roundTimeoutSeconds: 120,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('finalizes every round on chain from the development appd’s authorized key', async () => {
    const { taskManager } = stack.contracts;
    expect(result.rounds).toHaveLength(ROUNDS);
    const events = await taskManager.queryFilter(taskManager.filters.RoundFinalized(result.taskId));
    expect(events.map((e) => Number(e.args.round))).toEqual([1, 2, 3]);
    for (const event of events) {
      const tx = await stack.provider.getTransaction(event.transactionHash);
      expect(tx?.from).toBe(stack.appd.signerAddress);
      expect(tx?.to).toBe(stack.deployment.contracts.taskManager);
    }
    for (let r = 1; r <= ROUNDS; r++) expect(Number((await taskManager.getRound(result.taskId, r)).state)).toBe(5);
  });

  it('stores models whose sha256 equals the on-chain hashes', async () => {
    for (let r = 1; r <= ROUNDS; r++) {
      const round = await stack.contracts.taskManager.getRound(result.taskId, r);
      expect(round.modelUri).toBe(`blobs/${round.modelHash.slice(2)}`);
      const model = await fetchModel(stack, round.modelHash);
      expect(sha256Hex(model.bytes)).toBe(round.modelHash);
      expect(model.tensors.map((t) => t.name)).toEqual(['logit/kernel', 'logit/bias']);
    }
  });

  it('records scores summing to 1e6 per round, read with a governance token', async () => {
    const token = await siweLogin(stack.accounts.governance[1]!, stack.contracts.rewardVault);
    for (let r = 1; r <= ROUNDS; r++) {
      let sum = 0;
      for (const p of stack.accounts.participants) {
        const o = await stack.contracts.rewardVault.scoreOfParticipant(token, result.taskId, r, p.address);
        expect(o.committed && o.included).toBe(true);
        expect(Number(o.score)).toBeGreaterThan(0);
        sum += Number(o.score);
      }
      expect(sum).toBe(SCORE_TOTAL);
    }
    // Not a member: refused.
    const outsider = await siweLogin(stack.accounts.participants[0]!, stack.contracts.rewardVault);
    await expect(stack.contracts.rewardVault.scoreOfParticipant(outsider, result.taskId, 1, stack.accounts.participants[1]!.address)).rejects.toThrow();
  });

  it('pays out exactly the escrow split, claimed into the participants’ balances', async () => {
    let total = 0n;
    for (const p of result.payouts) {
      expect(BigInt(p.claimedWei)).toBe(BigInt(p.expectedWei));
      expect(BigInt(p.claimedWei)).toBeGreaterThan(0n);
      total += BigInt(p.claimedWei);
    }
    const escrow = rewardPerRound * BigInt(ROUNDS);
    expect(result.escrow).toBe(escrow);
    // Floor division leaves at most one wei per participant per round to governance.
    expect(escrow - total).toBeGreaterThanOrEqual(0n);
    expect(escrow - total).toBeLessThanOrEqual(BigInt(4 * ROUNDS));
    expect(await stack.contracts.rewardVault.escrowOf(result.taskId)).toBe(0n);
    for (const p of stack.accounts.participants) {
      const token = await siweLogin(p, stack.contracts.rewardVault);
      expect(await stack.contracts.rewardVault.pendingRewardOf(token)).toBe(0n);
    }
  });

  it('holds no plaintext update in the coordinator’s store', async () => {
    const { taskManager } = stack.contracts;
    const commitments = new Map<string, { round: number; participant: string }>();
    for (let r = 1; r <= ROUNDS; r++) {
      for (const p of await taskManager.committedParticipants(result.taskId, r)) {
        commitments.set((await taskManager.commitmentOf(result.taskId, r, p)).toLowerCase(), { round: r, participant: p });
      }
    }
    expect(commitments.size).toBe(4 * ROUNDS);
    const stranger = await generateRecipientKeyPair();
    let updates = 0;
    for (const file of filesUnder(stack.storeDir)) {
      const bytes = new Uint8Array(readFileSync(file));
      const hash = sha256Hex(bytes);
      const commitment = commitments.get(hash);
      if (!commitment) continue; // models and the task spec (public by design)
      updates += 1;
      expect(() => decodeUpdate(bytes)).toThrow();
      expect(() => decodeTensors(bytes)).toThrow();
      const context = {
        chainId: BigInt(stack.chainId),
        contractAddress: stack.deployment.contracts.taskManager,
        taskId: result.taskId,
        round: BigInt(commitment.round),
        participant: commitment.participant,
      };
      expect(buildEnvelopeInfo(context).length).toBeGreaterThan(0);
      await expect(openUpdateToBytes({ recipientKeyPair: stranger, context, ciphertext: bytes })).rejects.toThrow();
    }
    // Every committed ciphertext is in the store, and nothing else there parses as an update.
    expect(updates).toBe(4 * ROUNDS);
    for (const file of filesUnder(stack.storeDir)) {
      expect(() => decodeUpdate(new Uint8Array(readFileSync(file)))).toThrow();
    }
  });

  it('drives governance from the CLI: list, propose, vote, execute, results, clear errors', async () => {
    const run = async (args: string[], key?: string) => {
      const out: string[] = [];
      const err: string[] = [];
      const saved = process.env.CLOISTER_PRIVATE_KEY;
      if (key) process.env.CLOISTER_PRIVATE_KEY = key;
      else delete process.env.CLOISTER_PRIVATE_KEY;
      try {
        const code = await runGovernanceCli(['--rpc', stack.rpcUrl, '--deployment', stack.deploymentFile, ...args], { write: (t) => out.push(t) }, { write: (t) => err.push(t) });
        return { code, out: out.join(''), err: err.join('') };
      } finally {
        if (saved === undefined) delete process.env.CLOISTER_PRIVATE_KEY;
        else process.env.CLOISTER_PRIVATE_KEY = saved;
      }
    };
    const [m1, m2] = stack.accounts.governance.map((w) => w.privateKey);
    const listed = await run(['list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/#1 Executed .*ParticipantRegistry\.admitMany/);
    expect(listed.out).toMatch(/#2 Executed .*TaskManager\.createTask/);

    const noKey = await run(['vote', '1', 'yes']);
    expect(noKey.code).toBe(1);
    expect(noKey.err).toMatch(/CLOISTER_ERR_INFRA_GOVERNANCE_KEY_MISSING.*CLOISTER_PRIVATE_KEY/);

    const proposed = await run(['propose', 'parameter', 'challenge-window', '60'], m1);
    expect(proposed.code).toBe(0);
    const id = /proposal (\d+) created/.exec(proposed.out)![1]!;
    const early = await run(['execute', id], m1);
    expect(early.code).toBe(1);
    expect(early.err).toMatch(/has not passed/);
    expect((await run(['vote', id, 'yes'], m1)).code).toBe(0);
    const second = await run(['vote', id, 'yes'], m2);
    expect(second.out).toMatch(/it has passed/);
    const twice = await run(['vote', id, 'yes'], m2);
    expect(twice.err).toMatch(/CloisterGovernance(AlreadyVoted|ProposalNotActive)/);
    expect((await run(['execute', id], m2)).code).toBe(0);
    expect(await stack.contracts.taskManager.challengeWindow()).toBe(60n);

    const results = await run(['results', result.taskId.toString()], m1);
    expect(results.code).toBe(0);
    expect(results.out).toMatch(/round 3: Accepted, committed 4, included 4/);
    expect(results.out.match(/score \d+/g)).toHaveLength(4 * ROUNDS);

    const bad = await run(['propose', 'admit', '1', 'not-an-address'], m1);
    expect(bad.err).toMatch(/not an address/);
  });
});
