// `infer`, `credit deposit|show|claim`: paid confidential inference from the querier's side, and the revenue a
// contributor earns from it (read with a SiweAuth token: it reveals scores).
import { siweLogin } from '@cloister/contracts';
import { formatEther, parseEther } from 'ethers';
import { ConfigInvalidError } from '../errors';
import { queryModel, type QueryModelResult } from '../inference/queryModel';
import { readRows } from '../inference/readRows';
import type { CommandContext } from './context';

export async function inferCommand(ctx: CommandContext, taskId: bigint, input: string, url: string): Promise<QueryModelResult> {
  return queryModel({ url, signer: ctx.signer, contracts: ctx.contracts, taskId, rows: readRows(input) });
}

export async function creditDepositCommand(ctx: CommandContext, amount: string): Promise<{ deposited: string; credit: string; tx: string }> {
  let value: bigint;
  try {
    value = parseEther(amount);
  } catch (cause) {
    throw new ConfigInvalidError(`"${amount}" is not an amount of the chain currency (e.g. 0.5): ${(cause as Error).message}`);
  }
  if (value <= 0n) throw new ConfigInvalidError('Deposit a positive amount.');
  const tx = await ctx.contracts.inferenceCredit.connect(ctx.signer).deposit({ value });
  await tx.wait();
  return { deposited: formatEther(value), credit: formatEther(await ctx.contracts.inferenceCredit.creditOf(ctx.wallet.address)), tx: tx.hash };
}

export async function creditShowCommand(
  ctx: CommandContext,
  taskId?: bigint,
): Promise<{ account: string; credit: string; task?: { pricePerRow: string; paused: boolean; revenue: string } }> {
  const credit = ctx.contracts.inferenceCredit;
  const out: Awaited<ReturnType<typeof creditShowCommand>> = {
    account: ctx.wallet.address,
    credit: formatEther(await credit.creditOf(ctx.wallet.address)),
  };
  if (taskId !== undefined) {
    const token = await siweLogin(ctx.signer, credit);
    out.task = {
      pricePerRow: formatEther(await credit.priceOf(taskId)),
      paused: await credit.isPaused(taskId),
      revenue: formatEther(await credit.revenueOf(token, taskId)),
    };
  }
  return out;
}

export async function creditClaimCommand(ctx: CommandContext, taskId: bigint): Promise<{ claimed: string; tx: string | null }> {
  const credit = ctx.contracts.inferenceCredit;
  const owed = await credit.revenueOf(await siweLogin(ctx.signer, credit), taskId);
  if (owed === 0n) return { claimed: '0.0', tx: null };
  const tx = await credit.connect(ctx.signer).claimRevenue(taskId);
  await tx.wait();
  return { claimed: formatEther(owed), tx: tx.hash };
}
