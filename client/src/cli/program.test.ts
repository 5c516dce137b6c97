import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { step } from '@cloister/devstack';
import { buildProgram } from './program';
import { formatCliError } from './main';

jest.setTimeout(120_000);

function cli(env: NodeJS.ProcessEnv) {
  const lines: string[] = [];
  const program = buildProgram({ out: (l) => lines.push(l), env });
  return { run: (...args: string[]) => program.parseAsync(['node', 'cloister-client', ...args]), lines };
}

describe('cloister-client key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cloister-cli-'));
  const keystore = join(dir, 'keystore.json');
  const env = { CLOISTER_PASSPHRASE: 'correct horse battery staple', CLOISTER_KEYSTORE: keystore };

  // The keystore the tests share, created once by whichever test needs it first (tests run in any order).
  const created = step(async () => {
    const a = cli(env);
    await a.run('key', 'create');
    return /created account (0x[0-9a-fA-F]{40})/.exec(a.lines[0]!)![1]!;
  });

  it('creates an encrypted keystore and decrypts it with the passphrase from the environment', async () => {
    const address = await created();
    const json = JSON.parse(readFileSync(keystore, 'utf8'));
    expect(json.crypto ?? json.Crypto).toBeDefined();
    expect(readFileSync(keystore, 'utf8')).not.toContain('privateKey');
    const b = cli(env);
    await b.run('key', 'show');
    expect(b.lines).toEqual([address]);
  });

  it('refuses a wrong passphrase and an overwrite, with coded errors', async () => {
    await created();
    await expect(cli({ ...env, CLOISTER_PASSPHRASE: 'wrong' }).run('key', 'show')).rejects.toMatchObject({
      code: 'CLOISTER_ERR_CLIENT_KEYSTORE_DECRYPT',
    });
    const err = await cli(env).run('key', 'create').catch((e: unknown) => e);
    expect(formatCliError(err)).toMatch(/^error: .*already exists; move it away or pass --force.*\n {2}\(CLOISTER_ERR_CLIENT_CONFIG_INVALID\)$/);
  });

  it('imports a hex private key', async () => {
    const wallet = Wallet.createRandom();
    const file = join(dir, 'key.txt');
    writeFileSync(file, `${wallet.privateKey.slice(2)}\n`);
    const other = join(dir, 'imported.json');
    const c = cli({ ...env, CLOISTER_KEYSTORE: other });
    await c.run('key', 'import', file);
    expect(c.lines[0]).toBe(`imported account ${wallet.address}`);
    const d = cli({ ...env, CLOISTER_KEYSTORE: other });
    await d.run('key', 'show');
    expect(d.lines).toEqual([wallet.address]);
  });

  it('a missing deployment or keystore says what to do next', async () => {
    const err = await cli({ ...env, CLOISTER_KEYSTORE: join(dir, 'nope.json') }).run('status', '--task', '1').catch((e: unknown) => e);
    expect(formatCliError(err)).toContain('pass --deployment <path> or set CLOISTER_DEPLOYMENT');
    const bad = await cli(env).run('status', '--task', 'x').catch((e: unknown) => e);
    expect((bad as { code: string }).code).toBe('commander.invalidArgument');
  });
});
