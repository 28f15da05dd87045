// UI tests: what a user does, in the real workbench, through Chromium. Each test saves a
// screenshot under test-artifacts/.
import path from 'node:path';
import { waitUntil } from './harness.mjs';

export const PALETTE_INPUT = '.quick-input-widget .quick-input-box input';
export const PICK_ROW = '.quick-input-widget .monaco-list-row';

/** Runs a command from the palette; contributions appear seconds after the workbench, so retry. */
export async function runCommand(page, title) {
  await waitUntil(`"${title}" in the command palette`, async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await page.locator(PALETTE_INPUT).fill(`>${title}`, { timeout: 5000 });
    const row = page.locator(PICK_ROW, { hasText: title }).first();
    try {
      await row.waitFor({ timeout: 3000 });
    } catch {
      await page.keyboard.press('Escape');
      return false;
    }
    await page.keyboard.press('Enter');
    return true;
  }, 60_000, 500);
}

/** The dashboard's document, inside the webview's two nested iframes (found by content). */
export function dashboard(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

export async function uiTests({ browser, server, workspace, artifacts, log }) {
  let passed = 0;
  let failed = 0;
  const page = await browser.newPage();
  const shot = (name) => page.screenshot({ path: path.join(artifacts, name) }).catch(() => undefined);

  async function test(name, fn) {
    const t0 = Date.now();
    try {
      await fn();
      passed += 1;
      log(`  ✔ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed += 1;
      log(`  ✖ ${name}\n    ${String(err.stack ?? err).split('\n').slice(0, 6).join('\n    ')}`);
      await shot(`FAILED-${name.replace(/\W+/g, '-').slice(0, 60)}.png`);
    }
  }

  await page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 90_000 });

  await test('"RLVR: Start RL stage" from the command palette trains a small config, live in the dashboard', async () => {
    await runCommand(page, 'RLVR: Start RL stage');
    // Pick the config: small.yaml from the workspace (test/e2e/configs).
    await page.locator(PICK_ROW, { hasText: 'small.yaml' }).first().waitFor({ timeout: 60_000 });
    await page.locator(PALETTE_INPUT).fill('small.yaml');
    await page.keyboard.press('Enter');
    // Pick the stages: all are preselected; accept.
    await page.locator(PICK_ROW, { hasText: 'math-short' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');

    const live = dashboard(page).locator('#live');
    await live.waitFor({ state: 'attached', timeout: 60_000 });
    await waitUntil('a first step in the dashboard', async () => Number(await live.getAttribute('data-steps', { timeout: 2000 })) >= 1, 240_000, 500);
    await shot('dashboard-first-step.png');
    // Live: steps keep arriving as notifications while the dashboard is open.
    await waitUntil('steps to arrive live', async () => Number(await live.getAttribute('data-live-updates', { timeout: 2000 })) >= 2, 240_000, 500);
    const text = await live.textContent();
    if (!/reward \d/.test(text)) throw new Error(`the live line shows no reward: ${text}`);
    const charts = await dashboard(page).locator('.chart canvas').count();
    if (charts < 8) throw new Error(`expected 8 uPlot charts, found ${charts} canvases`);
    const status = await page.locator('.monaco-workbench .part.statusbar').textContent();
    if (!/step \d+/.test(status)) throw new Error(`the status bar shows no step: ${status}`);
    await shot('dashboard-live.png');
  });

  await test('a failing code rollout opens from the dashboard with its diagnostics', async () => {
    const d = dashboard(page);
    await d.locator('#failed-only').check();
    // Prefer a program that ran and failed tests (the warm start writes programs).
    const ran = d.locator('tr.rollout[data-kind="code"]', { hasText: /wrong_answer|runtime_error|time_limit_exceeded|syntax_error/ }).first();
    const anyFailing = d.locator('tr.rollout[data-kind="code"]').first();
    let row = anyFailing;
    // The code stage follows the math stage: poll the table (it refreshes every step).
    await waitUntil('a failing code rollout in the table', async () => {
      if (await ran.count()) {
        row = ran;
        return true;
      }
      if ((await anyFailing.count()) && /"finished"|— finished/.test(await d.locator('h1').textContent())) return true;
      await d.locator('#failed-only').uncheck();
      await d.locator('#failed-only').check();
      return false;
    }, 300_000, 2000);
    await shot('dashboard-code-rollouts.png');
    await row.click();
    const tab = page.locator('.tabs-container .tab', { hasText: '.py' }).first();
    await tab.waitFor({ timeout: 30_000 });
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached', timeout: 30_000 });
    await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
    const markers = page.locator('.markers-panel .monaco-list-row');
    await markers.first().waitFor({ timeout: 30_000 });
    const text = await page.locator('.markers-panel').textContent();
    if (!/rlvr/.test(text)) throw new Error(`the Problems panel shows no rlvr diagnostic: ${text.slice(0, 300)}`);
    if (row === ran && !/test \d+: (wrong_answer|runtime_error|time_limit_exceeded|syntax_error)/.test(text)) {
      throw new Error(`a program that ran should show its failing tests: ${text.slice(0, 300)}`);
    }
    log(`    (opened ${row === ran ? 'a program that failed tests' : 'a failing rollout with no program'})`);
    await shot('rollout-diagnostics.png');
  });

  await test('a math rollout shows the extracted and gold answers, highlighted inline', async () => {
    // Back to the dashboard's tab: the code rollout's editor covers it.
    await page.locator('.tabs-container .tab', { hasText: 'RLVR:' }).first().click();
    const d = dashboard(page);
    await d.locator('#failed-only').uncheck();
    await d.locator('select[title="Stage"]').selectOption('math-short');
    const row = d.locator('tr.rollout[data-kind="math"]').first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await page.locator('.tabs-container .tab', { hasText: '.md' }).first().waitFor({ timeout: 30_000 });
    await waitUntil('the answers in the document', async () => /gold\s+answer:/.test(await editor.locator('.view-lines').textContent()), 30_000);
    // The extracted and gold answers carry inline decorations (their own generated classes).
    // They are applied after the text is shown, so wait for them rather than count once.
    const decorations = page.locator('.monaco-editor [class*="ced-"]');
    await waitUntil('inline highlights on the extracted and gold answers', async () => (await decorations.count()) >= 2, 30_000);
    await shot('math-rollout.png');
  });

  await test('the Test Explorer runs a failing code rollout (a failed case, expected/actual diff) and a passing one (passed)', async () => {
    const d = dashboard(page);
    /** Opens the small run's first code rollout with this verdict from the dashboard; returns its id. */
    const openRollout = async (verdict) => {
      await page.locator('.tabs-container .tab', { hasText: 'RLVR:' }).first().click();
      await d.locator('#failed-only').uncheck();
      await d.locator('select[title="Stage"]').selectOption('code');
      await d.locator('select[title="Verdict"]').selectOption(verdict);
      const row = d.locator('tr.rollout[data-kind="code"]', { hasText: verdict }).first();
      await row.waitFor({ timeout: 30_000 }).catch(() => {
        throw new Error(`the small run has no code rollout with verdict ${verdict}`);
      });
      const id = await row.getAttribute('data-rollout-id');
      await row.click();
      await page.locator('.tabs-container .tab.active', { hasText: '.py' }).waitFor({ timeout: 30_000 });
      return id;
    };
    const item = (id) => page.locator('.test-explorer .monaco-list-row', { hasText: new RegExp(`rollout ${id}(?!\\d)`) }).first();
    const stateOf = async (row) => /\((Passed|Failed|Errored)\)/.exec((await row.getAttribute('aria-label', { timeout: 2000 })) ?? '')?.[1];
    /** Runs every open rollout's cases from the palette, as a user would, and waits for this one's state. */
    const runAndWait = async (id) => {
      await runCommand(page, 'View: Show Testing');
      await item(id).waitFor({ timeout: 30_000 });
      await runCommand(page, 'Test: Run All Tests');
      return waitUntil(`rollout ${id}'s test item to finish`, () => stateOf(item(id)), 120_000, 500);
    };

    const failing = await openRollout('wrong_answer');
    const failedState = await runAndWait(failing);
    if (failedState !== 'Failed') throw new Error(`the wrong_answer rollout's item reads ${failedState}, not Failed`);
    // Its cases: one child each; the failing one says so.
    await item(failing).click();
    await page.keyboard.press('ArrowRight');
    const failedCase = page.locator('.test-explorer .monaco-list-row[aria-level="2"][aria-label*="(Failed)"]', { hasText: /test \d+/ }).first();
    await failedCase.waitFor({ timeout: 10_000 });
    // The Test Results view: the case's message is the verdict; selecting it shows expected vs actual.
    const results = page.locator('.test-output-peek-tree');
    if (!(await results.isVisible())) await runCommand(page, 'Test Results: Focus on Test Results View');
    const message = results.locator('.monaco-list-row[aria-label^="wrong_answer"]').first();
    await message.waitFor({ timeout: 30_000 });
    await message.click();
    const diff = page.locator('.part.panel .monaco-diff-editor').first();
    await diff.waitFor({ timeout: 30_000 });
    const diffText = await diff.textContent();
    if (!/Expected/.test(diffText) || !/Actual/.test(diffText)) throw new Error(`the failed case shows no expected/actual diff: ${diffText.slice(0, 200)}`);
    await shot('test-explorer-failed-case.png');

    const passing = await openRollout('passed');
    const passedState = await runAndWait(passing);
    if (passedState !== 'Passed') throw new Error(`the passing rollout's item reads ${passedState}, not Passed`);
    await item(passing).click();
    await page.keyboard.press('ArrowRight');
    await page.locator('.test-explorer .monaco-list-row[aria-level="2"][aria-label*="(Passed)"]').first().waitFor({ timeout: 10_000 });
    log(`    (rollout ${failing}: Failed, with an expected/actual diff; rollout ${passing}: Passed)`);
    await shot('test-explorer-passed.png');
  });

  await test('the Runs view lists the run with its stages', async () => {
    await runCommand(page, 'RLVR Studio: Focus on Runs View');
    const runRow = page.locator('.pane-body .monaco-list-row', { hasText: /finished|running/ }).first();
    await runRow.waitFor({ timeout: 30_000 });
    await runRow.click();
    await page.keyboard.press('ArrowRight');
    await page.locator('.pane-body .monaco-list-row', { hasText: 'math-short' }).first().waitFor({ timeout: 30_000 });
    await shot('runs-tree.png');
  });

  await page.close();
  return { passed, failed };
}
