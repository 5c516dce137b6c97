// What every network-facing command needs: the connection file (a local development network's or a deployment's),
// a provider, the caller's key when the command signs, the typed contracts and the coordinator client.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinatorClient, silentLogger } from '@cloister/client';
import {
  connectChain,
  connectCloister,
  isSapphireChain,
  loadConnection,
  wrapForSapphire,
  type CloisterContracts,
  type Connection,
} from '@cloister/contracts';
import { defaultNetworkDir } from '@cloister/infra/dist/network/networkPaths';
import { Wallet, type JsonRpcProvider, type Signer } from 'ethers';
import type { CliConfig } from './config';
import { CliKeyMissingError, CliNetworkUnreachableError } from './errors';

/** What every command shares: the command line's configuration (flags and CLOISTER_* variables, src/config.ts). */
export type GlobalOptions = Partial<CliConfig>;

export function connectionPath(o: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  return o.connection ?? join(defaultNetworkDir(env), 'connection.json');
}

/** A key file: a hex private key (one line), or an ethers JSON keystore decrypted with CLOISTER_PASSPHRASE. */
export async function loadKey(path: string | undefined, o: Pick<GlobalOptions, 'privateKey' | 'passphrase'>): Promise<Wallet> {
  const fromEnv = o.privateKey;
  if (!path && fromEnv) return new Wallet(fromEnv.startsWith('0x') ? fromEnv : `0x${fromEnv}`);
  if (!path) throw new CliKeyMissingError('this command signs: pass --key <file> (CLOISTER_KEY) — a hex private key file or an ethers keystore (with CLOISTER_PASSPHRASE)');
  if (!existsSync(path)) throw new CliKeyMissingError(`no key file at ${path} — pass an existing --key <file> (\`cloister network up\` writes development keys under <dir>/keys)`);
  const text = readFileSync(path, 'utf8').trim();
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) return new Wallet(text.startsWith('0x') ? text : `0x${text}`);
  const passphrase = o.passphrase;
  if (!passphrase) throw new CliKeyMissingError(`${path} is a keystore: set CLOISTER_PASSPHRASE to decrypt it`);
  try {
    return (await Wallet.fromEncryptedJson(text, passphrase)) as Wallet;
  } catch (cause) {
    throw new CliKeyMissingError(`cannot decrypt ${path} — check CLOISTER_PASSPHRASE, or give a hex private key file`, { cause });
  }
}

export type NetworkContext = {
  connection: Connection;
  provider: JsonRpcProvider;
  chainId: bigint;
  contracts: CloisterContracts;
  /** Present when the command was given a key. */
  wallet?: Wallet;
  signer?: Signer;
  coordinator: CoordinatorClient;
  close(): void;
};

export async function openNetwork(o: GlobalOptions & { needKey?: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<NetworkContext> {
  const connection = loadConnection(connectionPath(o, env));
  const { provider, chainId } = await connectChain(connection.rpcUrl, connection.chainId, {
    pollingInterval: 200,
    unreachable: (cause) => new CliNetworkUnreachableError(`the chain at ${connection.rpcUrl} does not answer — is the network running? (\`cloister network status\`)`, { cause }),
    wrongChain: (chainId) => new CliNetworkUnreachableError(`${connection.rpcUrl} is chain ${chainId}, the connection file says ${connection.chainId} — the connection file is stale: run \`cloister network up\` again or fix it`),
  });
  const keyPath = o.key;
  let wallet: Wallet | undefined;
  let signer: Signer | undefined;
  if (keyPath || o.needKey || o.privateKey) {
    wallet = (await loadKey(keyPath, o)).connect(provider);
    signer = isSapphireChain(chainId) ? wrapForSapphire(wallet, chainId) : wallet;
  }
  const logger = silentLogger();
  return {
    connection,
    provider,
    chainId,
    contracts: connectCloister(connection.deployment, signer ?? provider),
    wallet,
    signer,
    coordinator: new CoordinatorClient({ baseUrl: connection.coordinatorUrl, signer, logger }),
    close: () => provider.destroy(),
  };
}
