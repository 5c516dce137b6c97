// Development accounts and ids of the local chain. The keys come from the well-known Hardhat mnemonic ("test test …
// junk"): the first 20 are funded by `hardhat node`. Never use these keys anywhere else: they are public.
import { HDNodeWallet, Mnemonic, Wallet, type Provider } from 'ethers';

export const DEVELOPMENT_MNEMONIC = 'test test test test test test test test test test test junk';

/** The account at m/44'/60'/0'/0/index of the development mnemonic (Hardhat's funded account `index` for 0..19). */
export function developmentWallet(index: number, provider?: Provider): Wallet {
  const node = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEVELOPMENT_MNEMONIC), `m/44'/60'/0'/0/${index}`);
  return new Wallet(node.privateKey, provider ?? null);
}

/** The documented example ROFL app id (bech32), used by tests and local chains; not an app of ours. */
export const EXAMPLE_ROFL_APP_ID = 'rofl1qqn9xndja7e2pnxhttktmecvwzz0yqwxsquqyxdf';
/** EXAMPLE_ROFL_APP_ID as the contracts' bytes21 (`roflAppIdToBytes21(EXAMPLE_ROFL_APP_ID)`). */
export const EXAMPLE_ROFL_APP_ID_BYTES21 = '0x0026534db2efb2a0ccd75aecbde70c7084f201c680';
