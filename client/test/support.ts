// Integration fixtures: a throw-away redis-server, a Hardhat node with Cloister deployed (Sapphire mocks), a real
// HPKE aggregator key on chain, and the real coordinator in-process. Everything is stopped in afterAll.
import { spawn } from 'node:child_process';
import { createConnection, createServer, type Socket } from 'node:net';
import {
  authorizeRoflOrigin,
  connectCloister,
  deployCloister,
  jsonRpc,
  startLocalChain,
  type CloisterContracts,
  type Deployment,
  type LocalChain,
} from '@cloister/contracts';
import { generateRecipientKeyPair, type RecipientKeyPair } from '@cloister/protocol';
import { HDNodeWallet, hexlify, JsonRpcProvider, Mnemonic, NonceManager, Wallet, type Signer } from 'ethers';

export const APP_ID_BECH32 = 'rofl1qqn9xndja7e2pnxhttktmecvwzz0yqwxsquqyxdf';
export const APP_ID = '0x0026534db2efb2a0ccd75aecbde70c7084f201c680';
const MNEMONIC = 'test test test test test test test test test test test junk';

export function devWallet(index: number, provider: JsonRpcProvider): Wallet {
  return new Wallet(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${index}`).privateKey, provider);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      server.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export type TestRedis = { url: string; stop(): Promise<void> };

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    detached: true,
    stdio: 'ignore',
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const kill = () => {
    try {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', kill);
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = createConnection(port, '127.0.0.1', () => {
        s.end();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (up) break;
    if (i > 200) {
      kill();
      throw new Error('redis-server did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      process.removeListener('exit', kill);
      kill();
      await exited;
    },
  };
}

export type TestChain = {
  chain: LocalChain;
  provider: JsonRpcProvider;
  deployment: Deployment;
  contracts: CloisterContracts;
  member: Signer;
  operator: Wallet;
  aggregatorKeys: RecipientKeyPair;
  participants: Wallet[];
  outsider: Wallet;
  stop(): Promise<void>;
};

export async function startTestChain(): Promise<TestChain> {
  const chain = await startLocalChain();
  try {
    const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { pollingInterval: 100 });
    const deployer = new NonceManager(devWallet(0, provider));
    const memberWallet = devWallet(1, provider);
    const operator = devWallet(2, provider);
    const aggregatorWallet = devWallet(3, provider);
    const deployment = await deployCloister({
      deployer,
      members: [memberWallet.address],
      quorum: 1,
      votingPeriod: 3600,
      challengeWindow: 600,
      operator: operator.address,
      roflAppId: APP_ID_BECH32,
    });
    await authorizeRoflOrigin(jsonRpc(chain.rpcUrl), APP_ID, aggregatorWallet.address);
    const contracts = connectCloister(deployment, provider);
    const aggregatorKeys = await generateRecipientKeyPair();
    await (await contracts.aggregatorRegistry.connect(aggregatorWallet).setAggregatorKeys(hexlify(aggregatorKeys.publicKey), aggregatorWallet.address)).wait();
    return {
      chain,
      provider,
      deployment,
      contracts,
      member: new NonceManager(memberWallet),
      operator,
      aggregatorKeys,
      participants: [4, 5, 6].map((i) => devWallet(i, provider)),
      outsider: devWallet(8, provider),
      async stop() {
        provider.destroy();
        await chain.stop();
      },
    };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

export async function govern(t: TestChain, target: string, data: string, value = 0n): Promise<void> {
  const gov = t.contracts.governance.connect(t.member);
  await (await gov.propose(target, value, data, 'test', { value })).wait();
  const id = await gov.proposalCount();
  await (await gov.vote(id, true)).wait();
  await (await gov.execute(id)).wait();
}

export async function createTask(
  t: TestChain,
  admitted: Wallet[],
  o: { modelSpecHash: string; initialModelHash: string; roundDuration: number; minParticipants?: number },
): Promise<bigint> {
  const tm = t.contracts.taskManager;
  const hex = o.initialModelHash.slice(2);
  const params = {
    modelSpecHash: o.modelSpecHash,
    initialModelHash: o.initialModelHash,
    initialModelUri: `blobs/${hex}`,
    dataSchemaHash: o.modelSpecHash,
    minParticipants: o.minParticipants ?? 2,
    maxParticipants: 5,
    roundDuration: o.roundDuration,
    numRounds: 2,
    rewardPerRound: 1000n,
  };
  await govern(t, await tm.getAddress(), tm.interface.encodeFunctionData('createTask', [params]), 2000n);
  const taskId = await tm.taskCount();
  const reg = t.contracts.participants;
  await govern(
    t,
    await reg.getAddress(),
    reg.interface.encodeFunctionData('admitMany', [taskId, admitted.map((w) => w.address), admitted.map((_, i) => `site-${i}`), admitted.map(() => '')]),
  );
  return taskId;
}

export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type ResettingProxy = {
  url: string;
  /** Connections reset so far. */
  resets: number;
  /** 'reset': every connection (open ones included) is reset; 'pass': forwarded, once `resetFirst` were reset. */
  setMode(mode: 'pass' | 'reset'): void;
  close(): Promise<void>;
};

/**
 * A TCP proxy in front of `target` (http://host:port) that resets (RST) the first `resetFirst` connections after
 * their first request bytes arrive (the client sees ECONNRESET / "socket hang up"), then forwards. In 'reset' mode it
 * also resets the kept-alive connections already open, as a server that dropped them would.
 */
export async function startResettingProxy(target: string, resetFirst: number): Promise<ResettingProxy> {
  const { hostname, port } = new URL(target);
  let mode: 'pass' | 'reset' = 'pass';
  let toReset = resetFirst;
  const open = new Set<Socket>();
  const proxy: ResettingProxy = {
    url: '',
    resets: 0,
    setMode(m) {
      mode = m;
      if (m === 'reset') for (const s of open) s.resetAndDestroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (mode === 'reset' || toReset > 0) {
      toReset = Math.max(0, toReset - 1);
      client.once('data', () => {
        proxy.resets++;
        client.resetAndDestroy();
      });
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address() as { port: number };
  proxy.url = `http://127.0.0.1:${address.port}`;
  return proxy;
}
