// Keys at rest: ethers keystore JSON (scrypt + AES-128-CTR), passphrase from CLOISTER_PASSPHRASE or a prompt.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { Wallet, encryptKeystoreJson, HDNodeWallet, Mnemonic, type KeystoreAccount } from 'ethers';
import { ConfigInvalidError, KeystoreDecryptError, KeystoreMissingError, PassphraseMissingError } from '../errors';

export const PASSPHRASE_ENV = 'CLOISTER_PASSPHRASE';

/** Asks on the terminal without echoing the answer. */
async function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  const rl = createInterface({ input, output, terminal: true });
  const rlWithOutput = rl as unknown as { _writeToOutput: (s: string) => void };
  let asked = false;
  rlWithOutput._writeToOutput = (s: string) => {
    if (!asked) {
      output.write(s);
      asked = true;
    }
  };
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    output.write('\n');
    rl.close();
  }
}

/** The passphrase from the environment, else from a prompt (confirmed twice when creating). */
export async function readPassphrase(options: { confirm?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const env = options.env ?? process.env;
  const fromEnv = env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) {
    throw new PassphraseMissingError(`No passphrase: set ${PASSPHRASE_ENV} or run in a terminal to be prompted.`);
  }
  const first = await promptHidden('Keystore passphrase: ');
  if (options.confirm) {
    const second = await promptHidden('Repeat the passphrase: ');
    if (first !== second) throw new PassphraseMissingError('The passphrases differ; nothing was written.');
  }
  if (first.length === 0) throw new PassphraseMissingError('An empty passphrase is not allowed.');
  return first;
}

export interface WriteKeystoreOptions {
  /** scrypt cost N (default 2^17, ethers' default); lower only for tests. */
  scryptN?: number;
  overwrite?: boolean;
}

/** Encrypts the wallet's key into a keystore file (mode 0600). Refuses to overwrite unless asked. */
export async function writeKeystore(path: string, wallet: Wallet | HDNodeWallet, passphrase: string, options: WriteKeystoreOptions = {}): Promise<void> {
  if (existsSync(path) && !options.overwrite) {
    throw new ConfigInvalidError(`${path} already exists; move it away or pass --force to replace it.`, { details: { path } });
  }
  const account: KeystoreAccount = { address: wallet.address, privateKey: wallet.privateKey };
  const json = await encryptKeystoreJson(account, passphrase, options.scryptN ? { scrypt: { N: options.scryptN } } : {});
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, json, { mode: 0o600 });
}

/** Decrypts a keystore file into a Wallet. */
export async function readKeystore(path: string, passphrase: string): Promise<Wallet> {
  if (!existsSync(path)) {
    throw new KeystoreMissingError(`No keystore at ${path}; create one with \`cloister-client key create\` or pass --keystore.`, { details: { path } });
  }
  const json = readFileSync(path, 'utf8');
  try {
    const wallet = await Wallet.fromEncryptedJson(json, passphrase);
    return new Wallet(wallet.privateKey);
  } catch (error) {
    throw new KeystoreDecryptError(`Cannot decrypt ${path}: wrong passphrase or damaged file.`, { details: { path }, cause: error });
  }
}

/** A wallet from a hex private key or a BIP-39 mnemonic (the text of a file being imported). */
export function walletFromSecret(secret: string): Wallet | HDNodeWallet {
  const s = secret.trim();
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(s)) return new Wallet(s.startsWith('0x') ? s : `0x${s}`);
  if (Mnemonic.isValidMnemonic(s)) return HDNodeWallet.fromPhrase(s);
  throw new ConfigInvalidError('The file to import holds neither a 32-byte hex private key nor a valid BIP-39 mnemonic.');
}
