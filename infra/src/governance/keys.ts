// The CLI's signer: an ethers JSON keystore (passphrase from --password-file or CLOISTER_PASSPHRASE, the name every Cloister command reads) or CLOISTER_PRIVATE_KEY.
import { readFileSync } from 'node:fs';
import { Wallet, type Provider } from 'ethers';
import { GovernanceKeyMissingError } from '../errors';

/** Key settings of the governance configuration (./config.ts): flags and CLOISTER_PASSPHRASE / CLOISTER_PRIVATE_KEY. */
export type KeyOptions = { keystore?: string; passwordFile?: string; passphrase?: string; privateKey?: string };

export async function loadSigner(options: KeyOptions, provider: Provider): Promise<Wallet> {
  if (options.keystore) {
    let json: string;
    try {
      json = readFileSync(options.keystore, 'utf8');
    } catch (cause) {
      throw new GovernanceKeyMissingError(`cannot read the keystore ${options.keystore}: ${(cause as Error).message}`, { cause });
    }
    const password = options.passwordFile ? readFileSync(options.passwordFile, 'utf8').replace(/\r?\n$/, '') : options.passphrase;
    if (password === undefined) {
      throw new GovernanceKeyMissingError('the keystore needs a password: pass --password-file <file> or set CLOISTER_PASSPHRASE');
    }
    try {
      return (await Wallet.fromEncryptedJson(json, password)).connect(provider) as Wallet;
    } catch (cause) {
      throw new GovernanceKeyMissingError(`cannot decrypt the keystore ${options.keystore}: wrong password or not an ethers keystore`, { cause });
    }
  }
  const key = options.privateKey;
  if (!key) {
    throw new GovernanceKeyMissingError('no key: pass --keystore <file> (an ethers JSON keystore) or set CLOISTER_PRIVATE_KEY=0x…');
  }
  try {
    return new Wallet(key.startsWith('0x') ? key : `0x${key}`, provider);
  } catch (cause) {
    throw new GovernanceKeyMissingError('CLOISTER_PRIVATE_KEY is not a 32-byte hex private key', { cause });
  }
}
