// The webhook log in a browser, hydrated and without JavaScript: deliveries posted the way
// Juspay posts them show up, the filter form narrows the list through the address, a
// delivery's detail shows its raw body, and an event that could not be applied is dry-run
// and then reprocessed.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { atPath, launchChromium, signIn } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
const HOOK_PASSWORD = process.env.E2E_WEBHOOK_PASSWORD;
assert.ok(BASE && ADMIN_PASSWORD && HOOK_PASSWORD, 'scripts/test sets the E2E_* variables');

/** Matches a URL by its path alone (a `next=/x` query must not count as being at /x). */

const RUN = Date.now().toString(36);

async function deliver(event) {
  const res = await fetch(`${BASE}/webhooks/juspay`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: 'Basic ' + Buffer.from(`juspay:${HOOK_PASSWORD}`).toString('base64'),
    },
    body: JSON.stringify(event),
  });
  assert.equal(res.status, 200);
}

before(async () => {
  await deliver({ id: `evt_ok_${RUN}`, event_name: 'ORDER_SUCCEEDED', date_created: new Date().toISOString(),
    content: { order: { order_id: `ord_ok_${RUN}`, status: 'CHARGED', amount: '10.00' } } });
  await deliver({ id: `evt_fail_${RUN}`, event_name: 'ORDER_FAILED', date_created: new Date().toISOString(),
    content: { order: { order_id: `ord_fail_${RUN}`, status: 'AUTHORIZATION_FAILED' } } });
});

for (const js of [true, false]) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`webhook log (${mode})`, () => {
    let browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
    });

    async function settle(page) {
      if (js) await page.waitForSelector('body[data-hydrated="true"]');
    }

    test('deliveries are listed, filtered through the address and shown in detail', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await signIn(page, { base: BASE, next: '/webhooks', username: ADMIN, password: ADMIN_PASSWORD, js });
      await page.getByRole('cell', { name: `ord_ok_${RUN}` }).waitFor();
      await page.getByRole('cell', { name: `ord_fail_${RUN}` }).waitFor();

      // The event filter is a picker: tick a name, filter, and it stays ticked on reload.
      const events = page.locator('fieldset.picker', { has: page.locator('legend', { hasText: 'Event' }) });
      await events.locator('summary').click();
      await events.getByLabel('ORDER_FAILED', { exact: true }).check();
      await page.click('button:has-text("Filter")');
      await page.waitForURL(/event=ORDER_FAILED/);
      await settle(page);
      await page.getByRole('cell', { name: `ord_fail_${RUN}` }).waitFor();
      assert.equal(await page.getByRole('cell', { name: `ord_ok_${RUN}` }).count(), 0);

      await page.reload();
      await settle(page);
      assert.equal(await page.isChecked('input[name="event"][value="ORDER_FAILED"]'), true,
        'filters survive a refresh');
      assert.equal(await events.locator('summary').textContent(), 'ORDER_FAILED', 'the summary names it');

      // A second name widens the filter: either event is listed.
      await events.locator('summary').click();
      await events.getByLabel('ORDER_SUCCEEDED', { exact: true }).check();
      await page.click('button:has-text("Filter")');
      await page.waitForURL(/ORDER_SUCCEEDED/);
      await settle(page);
      await page.getByRole('cell', { name: `ord_ok_${RUN}` }).waitFor();
      await page.getByRole('cell', { name: `ord_fail_${RUN}` }).waitFor();

      await page.locator('tbody tr', { hasText: `ord_fail_${RUN}` }).locator('a').first().click();
      await page.waitForURL(/\/webhooks\/\d+$/);
      await settle(page);
      await page.getByText(`evt_fail_${RUN}`).first().waitFor();
      await page.getByText('[Basic credentials: valid]').waitFor();

      await page.goto(`${BASE}/webhooks`);
      await settle(page);
      await page.selectOption('select[name="outcome"]', 'created');
      await page.click('button:has-text("Filter")');
      await page.waitForURL(/outcome=created/);
      await settle(page);
      await page.getByRole('cell', { name: `ord_ok_${RUN}` }).waitFor();
      assert.equal(await page.getByRole('cell', { name: `ord_fail_${RUN}` }).count(), 0,
        'the failed order without an amount could not be created');
      assert.deepEqual(problems, []);
      await context.close();
    });

    test('an event that arrived before its order is dry-run, then reprocessed', async () => {
      const order = `ord_early_${RUN}_${mode}`;
      const early = `evt_early_${RUN}_${mode}`;
      // The failure arrives first and names no amount, so the order cannot be created from it.
      await deliver({ id: early, event_name: 'ORDER_FAILED', date_created: new Date().toISOString(),
        content: { order: { order_id: order, status: 'AUTHORIZATION_FAILED' } } });
      await deliver({ id: `evt_txn_${RUN}_${mode}`, event_name: 'TXN_CREATED',
        date_created: new Date().toISOString(),
        content: { order: { order_id: order, status: 'PENDING_VBV', amount: '25.00' } } });
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`${BASE}/login?next=${encodeURIComponent(`/webhooks?order=${order}&outcome=invalid`)}`);
      await settle(page);
      await page.fill('#username', ADMIN);
      await page.fill('#password', ADMIN_PASSWORD);
      await page.click('button:has-text("Sign in")');
      await page.waitForURL(atPath('/webhooks'));
      await settle(page);
      await page.getByRole('cell', { name: order }).waitFor();
      await page.locator('tbody tr a').first().click();
      await page.waitForURL(/\/webhooks\/\d+$/);
      await settle(page);

      await page.click('button:has-text("Dry run")');
      await page.waitForURL(/preview=1/);
      await settle(page);
      const preview = page.getByTestId('dry-run');
      await preview.getByText(`order ${order}: PENDING_VBV → AUTHORIZATION_FAILED (status)`).waitFor();

      await page.click('button:has-text("Reprocess")');
      await page.getByText('Reprocessed: applied').waitFor();
      await page.goto(`${BASE}/webhooks?order=${order}&outcome=applied`);
      await settle(page);
      await page.getByRole('cell', { name: 'ORDER_FAILED' }).waitFor();
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
