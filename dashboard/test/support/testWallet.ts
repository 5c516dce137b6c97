// The injected test wallet: an EIP-1193 provider in the page (window.ethereum) whose requests are answered in
// Node by a development key (page.exposeFunction). Signing and sending use the key; everything else goes to the
// chain's JSON-RPC. `use(wallet)` switches the account and tells the page (accountsChanged), as a wallet would.
import { getBytes, type JsonRpcProvider, type Wallet } from 'ethers';
import type { Page } from 'playwright-core';

type RpcRequest = { method: string; params?: unknown[] };

// The provider in the page, as script text: a function handed to Playwright is serialized with toString(), and the
// TypeScript runner's compiled output of a function may call helpers (tsx keeps names with `__name(...)`) that do not
// exist in the page.
const WALLET_IN_PAGE = `(() => {
  const listeners = new Map();
  const call = window.__cloisterTestWallet;
  window.ethereum = {
    isCloisterTestWallet: true,
    request: (request) => call({ method: request.method, params: request.params ?? [] }),
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
    },
  };
  window.__cloisterTestWalletEmit = (event, value) => {
    for (const listener of listeners.get(event) ?? []) listener(value);
  };
})();`;

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
    await page.addInitScript({ content: WALLET_IN_PAGE });
  }

  /** Switches the account and emits accountsChanged in the page. */
  async use(page: Page, wallet: Wallet): Promise<void> {
    this.wallet = wallet.connect(this.provider);
    await page.evaluate(`window.__cloisterTestWalletEmit('accountsChanged', [${JSON.stringify(this.wallet.address)}])`);
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
