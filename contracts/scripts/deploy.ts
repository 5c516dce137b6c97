// Deploys Cloister to the selected network and writes deployments/<network>.json.
//   npm run deploy -w contracts -- --network <hardhat|localhost|sapphire-localnet|sapphire-testnet|sapphire-mainnet>
// Configuration (environment): CLOISTER_PRIVATE_KEY (Sapphire networks), CLOISTER_MEMBERS (comma-separated addresses),
// CLOISTER_QUORUM, CLOISTER_VOTING_PERIOD (s), CLOISTER_CHALLENGE_WINDOW (s), CLOISTER_OPERATOR, CLOISTER_ROFL_APP_ID
// (rofl1… or bytes21 hex), CLOISTER_SIWE_DOMAIN. Development defaults: members = accounts 1..3, quorum 2,
// voting period 60 s, challenge window 120 s, operator = the deployer.
import { join } from 'node:path';
import hre from 'hardhat';
import { deployCloister, isSapphireChain, saveDeployment, wrapForSapphire } from '../src';
import { installSapphireMocks } from '../src/development';

async function main(): Promise<void> {
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) throw new Error(`no account for network ${hre.network.name}: set CLOISTER_PRIVATE_KEY`);
  const sapphire = isSapphireChain(chainId);
  const deployer = wrapForSapphire(signers[0]!, chainId);
  if (!sapphire) await installSapphireMocks(hre.ethers.provider);

  const env = process.env;
  const members = env.CLOISTER_MEMBERS
    ? env.CLOISTER_MEMBERS.split(',').map((s) => s.trim())
    : await Promise.all(signers.slice(1, 4).map((s) => s.getAddress()));
  if (members.length === 0) members.push(await deployer.getAddress());
  const deployment = await deployCloister({
    deployer,
    members,
    quorum: Number(env.CLOISTER_QUORUM ?? Math.min(2, members.length)),
    votingPeriod: Number(env.CLOISTER_VOTING_PERIOD ?? 60),
    challengeWindow: Number(env.CLOISTER_CHALLENGE_WINDOW ?? 120),
    operator: env.CLOISTER_OPERATOR ?? (await deployer.getAddress()),
    roflAppId: env.CLOISTER_ROFL_APP_ID,
    siweDomain: env.CLOISTER_SIWE_DOMAIN,
    network: hre.network.name,
  });
  const file = join(__dirname, '..', 'deployments', `${hre.network.name}.json`);
  saveDeployment(file, deployment);
  console.log(`deploy: Cloister on ${hre.network.name} (chain ${chainId}) written to ${file}`);
  console.log(JSON.stringify(deployment, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
