// The injected test wallet: an EIP-1193 provider in the page (window.ethereum) whose requests are answered in
// Node by a development key (page.exposeFunction). Signing and sending use the key; everything else goes to the
// chain's JSON-RPC. `use(wallet)` switches the account and tells the page (accountsChanged), as a wallet would.
import { getBytes, type JsonRpcProvider, type Wallet } from 'ethers';
import type { Page } from 'playwright-core';

type RpcRequest = { method: string; params?: unknown[] };

export class TestWallet {
  private wallet: Wallet;
  /** Every method the page asked for, in order (the tests check signing and sending went through the wallet). */
  readonly requests: string[] = [];

  constructor(
    private readonly provider: JsonRpcProvider,
    private readonly chainId: number,
    initial: Wallet,
  ) {
    this.wallet = initial.connect(provider);
  }

  get address(): string {
    return this.wallet.address;
  }

  async install(page: Page): Promise<void> {
    await page.exposeFunction('__cloisterTestWallet', (request: RpcRequest) => this.handle(request));
    await page.addInitScript(() => {
      const listeners = new Map<string, Set<(value: unknown) => void>>();
      const call = (window as unknown as { __cloisterTestWallet: (r: unknown) => Promise<unknown> }).__cloisterTestWallet;
      (window as unknown as { ethereum: unknown }).ethereum = {
        isCloisterTestWallet: true,
        request: (request: { method: string; params?: unknown[] }) => call({ method: request.method, params: request.params ?? [] }),
        on(event: string, listener: (value: unknown) => void) {
          if (!listeners.has(event)) listeners.set(event, new Set());
          listeners.get(event)!.add(listener);
        },
        removeListener(event: string, listener: (value: unknown) => void) {
          listeners.get(event)?.delete(listener);
        },
      };
      (window as unknown as { __cloisterTestWalletEmit: (event: string, value: unknown) => void }).__cloisterTestWalletEmit = (event, value) => {
        for (const listener of listeners.get(event) ?? []) listener(value);
      };
    });
  }

  /** Switches the account and emits accountsChanged in the page. */
  async use(page: Page, wallet: Wallet): Promise<void> {
    this.wallet = wallet.connect(this.provider);
    await page.evaluate((address) => (window as unknown as { __cloisterTestWalletEmit: (e: string, v: unknown) => void }).__cloisterTestWalletEmit('accountsChanged', [address]), this.wallet.address);
  }

  private async handle({ method, params = [] }: RpcRequest): Promise<unknown> {
    this.requests.push(method);
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return [this.wallet.address];
      case 'eth_chainId':
        return `0x${this.chainId.toString(16)}`;
      case 'wallet_switchEthereumChain':
        return null;
      case 'personal_sign': {
        const [data] = params as [string, string];
        return this.wallet.signMessage(getBytes(data));
      }
      case 'eth_sendTransaction': {
        const [tx] = params as [{ to?: string; data?: string; value?: string; gas?: string }];
        const sent = await this.wallet.sendTransaction({
          to: tx.to,
          data: tx.data,
          value: tx.value ? BigInt(tx.value) : undefined,
          gasLimit: tx.gas ? BigInt(tx.gas) : undefined,
        });
        return sent.hash;
      }
      default:
        return this.provider.send(method, params);
    }
  }
}
