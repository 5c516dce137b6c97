// The dashboard in a real browser against the real local stack: a round goes from open to accepted on screen
// without a page load, a governance member votes and executes through an injected wallet, a hospital signs in
// (coordinator session + SiweAuth token), sees its score and claims its reward; every view passes axe-core
// (no serious or critical violations) and is saved as a screenshot under test-results/ (also at 390 px).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { siweLogin } from '@cloister/contracts';
import { formatEther } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, seriousViolations } from './support/browser';
import { startDashboardStack, type DashboardStack } from './support/federationStack';
import { TestWallet } from './support/testWallet';

const ROUND_TIMEOUT_MS = 150_000;
const UI_TIMEOUT_MS = 30_000;

let s: DashboardStack;
let browser: Browser;
let page: Page;
let wallet: TestWallet;
let mainFrameNavigations = 0;

async function expectAccessible(view: string): Promise<void> {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${view}: axe-core found serious or critical violations`);
}

describe('the dashboard in chromium on the local stack', { timeout: 240_000 }, () => {
  before(async () => {
    [s, browser] = await Promise.all([startDashboardStack(), launchChromium()]);
    // A context of its own: axe-core's report step opens a page in the same context.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    wallet = new TestWallet(s.stack.provider, s.stack.chainId, s.stack.accounts.governance[1]!);
    await wallet.install(page);
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) mainFrameNavigations += 1;
    });
  });

  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('shows a round going from open to accepted live, without a reload', async () => {
    await page.goto(`${s.stack.coordinatorUrl}/dashboard/`);
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    const round = page.locator('li.round[data-round="1"]');
    await round.and(page.locator('[data-state="Open"]')).waitFor();
    await page.locator('[data-live="live"]').waitFor();
    // A page load would lose this marker; navigations of the main frame are counted too.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const navigationsBefore = mainFrameNavigations;

    s.startRound();
    await round.and(page.locator('[data-state="Accepted"]')).waitFor({ timeout: ROUND_TIMEOUT_MS });

    assert.equal(mainFrameNavigations, navigationsBefore, 'the page navigated while the round moved');
    assert.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true, 'the page was reloaded');
    // Three committed, two included, the silent one excluded with its reason in words (the public, aggregate figures);
    // the model and the metrics checked against the chain in the browser.
    assert.equal(await round.locator('table.participants tbody tr').count(), 3);
    await round.getByText('1 participant: committed but never uploaded the update').waitFor();
    await round.getByText('verified against chain').first().waitFor();
    assert.equal(await round.getByText('verified against chain').count(), 2, 'model and metrics both verified');
    await page.locator('figure.chart', { hasText: 'Accuracy' }).locator('canvas').waitFor();
    await expectAccessible('tasks');
    await screenshot(page, 'tasks');
  });

  it('casts a governance vote and executes the proposal through the injected wallet', async () => {
    const id = s.pendingProposalId.toString();
    await page.getByRole('link', { name: 'Governance' }).click();
    await page.getByRole('button', { name: 'Connect wallet' }).click();
    const card = page.locator(`li.proposal[data-proposal="${id}"]`);
    await card.getByText('Admit Long Beach VA').first().waitFor();
    await card.getByText('1 yes · 0 no').waitFor();
    await expectAccessible('governance');

    await card.getByRole('button', { name: `Vote yes on proposal ${id}` }).click();
    await card.getByText('passed, ready to execute').waitFor();
    await card.getByText('2 yes · 0 no').waitFor();
    await card.getByText(`${wallet.address.slice(0, 6)}…${wallet.address.slice(-4)} yes (you)`).waitFor();
    await card.getByRole('button', { name: `Execute proposal ${id}` }).click();
    await card.getByText('executed', { exact: true }).waitFor();

    const proposal = await s.stack.contracts.governance.getProposal(s.pendingProposalId);
    assert.equal(Number(proposal.state), 2, 'executed on chain');
    assert.equal(proposal.yesVotes, 2n);
    assert.equal(await s.stack.contracts.governance.hasVoted(s.pendingProposalId, wallet.address), true);
    assert.equal(await s.stack.contracts.participants.isAdmitted(s.taskId, s.admitted.address), true, 'the proposal admitted the account');
    assert.ok(wallet.requests.filter((m) => m === 'eth_sendTransaction').length >= 2, 'vote and execute were sent by the wallet');
    await screenshot(page, 'governance');
  });

  it('shows a governance member each participant’s outcome, read with the member’s SiweAuth token', async () => {
    await page.getByRole('link', { name: 'Tasks and rounds' }).click();
    await page.getByRole('button', { name: 'Show each participant’s outcome (governance members)' }).click();
    const round = page.locator('li.round[data-round="1"]');
    for (const name of ['Cleveland', 'Hungary']) await round.getByRole('row').filter({ hasText: name }).getByText(/^included, score \d+(\.\d)? %$/).waitFor();
    await round.getByRole('row').filter({ hasText: 'Switzerland' }).getByText('excluded: committed but never uploaded the update').waitFor();
    await expectAccessible('tasks with outcomes');
    await screenshot(page, 'tasks-member');
  });

  it('signs a hospital in with its wallet, shows its score and claims its reward', async () => {
    const hospital = s.hospitals[0]!;
    await wallet.use(page, hospital);
    await page.getByRole('link', { name: 'Hospital' }).click();
    await page.getByRole('button', { name: 'Connect wallet' }).first().click();
    await page.getByRole('button', { name: /^Sign in as / }).click();
    await page.getByText('signed in until', { exact: false }).waitFor();

    const token = await siweLogin(hospital.connect(s.stack.provider), s.stack.contracts.rewardVault);
    const pending = await s.stack.contracts.rewardVault.pendingRewardOf(token);
    assert.ok(pending > 0n, 'the hospital earned something in round 1');
    const outcome = await s.stack.contracts.rewardVault.scoreOf(token, s.taskId, 1);
    const scoreText = `${((Number(outcome.score) / 1e6) * 100).toFixed(1)} %`;
    await page.getByRole('row').filter({ hasText: scoreText }).waitFor();
    const amount = page.locator('.claim .amount');
    await amount.filter({ hasText: /ETH$/ }).waitFor();
    assert.equal(await amount.textContent(), `${formatEther(pending).replace(/\.0$/, '')} ETH`, 'the claimable amount in the chain token with decimals');
    await expectAccessible('hospital');
    await screenshot(page, 'hospital');

    const before = await s.stack.provider.getBalance(hospital.address);
    await page.getByRole('button', { name: 'Claim reward' }).click();
    await page.getByRole('status').filter({ hasText: 'Claimed' }).waitFor();
    assert.equal(await s.stack.contracts.rewardVault.pendingRewardOf(token), 0n, 'nothing left to claim');
    const after = await s.stack.provider.getBalance(hospital.address);
    assert.ok(after > before, 'the reward reached the hospital’s account');
    await amount.filter({ hasText: /^0 ETH$/ }).waitFor();
  });

  it('shows the operator the health of the services, queues and uploads', async () => {
    await page.getByRole('link', { name: 'Operator' }).click();
    await page.getByText(/worker(s)? on the queue/).waitFor();
    await page.locator('[data-health="coordinator"]', { hasText: 'ready' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'cloister-aggregation' }).waitFor();
    await expectAccessible('operator');
    await screenshot(page, 'operator');
  });

  it('marks a task the coordinator reports stalled, as it is pushed', async () => {
    // The coordinator's own event bus (schema-checked, through socket.io and its Redis adapter), as its round state
    // machine emits it when a task's reopen budget is spent.
    s.stack.coordinator.app.events.emit('task:status', { taskId: s.taskId.toString(), round: 1, status: 'stalled', reason: 'reopen budget spent' });
    await page.getByRole('row').filter({ hasText: 'cloister' }).first().waitFor();
    await page.getByText('stalled: reopen budget spent').waitFor();
    await page.getByRole('link', { name: 'Tasks and rounds' }).click();
    await page.getByRole('alert').filter({ hasText: `Task #${s.taskId} is stalled: reopen budget spent` }).waitFor();
    await expectAccessible('tasks with a stalled task');
    await page.getByRole('link', { name: 'Operator' }).click();
  });

  it('is readable at a 390 px phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Tasks and rounds' }).click();
    await page.locator('li.round[data-round="1"]').waitFor();
    const overflow = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest('table, .visually-hidden'))
        .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
      return { by: document.documentElement.scrollWidth - width, wide: wide.slice(0, 8) };
    });
    assert.ok(overflow.by <= 0, `the page scrolls sideways by ${overflow.by} px at 390 px: ${overflow.wide.join(', ')}`);
    await expectAccessible('tasks at 390 px');
    await screenshot(page, 'tasks-390px');
    await page.getByRole('link', { name: 'Operator' }).click();
    await page.getByRole('row').filter({ hasText: 'cloister-aggregation' }).waitFor();
    await expectAccessible('operator at 390 px');
    await screenshot(page, 'operator-390px');
  });
});
