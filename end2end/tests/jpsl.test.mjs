// The second gateway in a browser, hydrated and without JavaScript: a payment taken through
// JPSL (its signed callback sent by the simulator) is listed among the orders with its
// source, and its callback shows in the webhook log filtered by source.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const SIM = process.env.E2E_SIM_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
assert.ok(BASE && SIM && ADMIN_PASSWORD, 'scripts/test sets the E2E_* variables');

const RUN = Date.now().toString(36);

for (const js of [true, false]) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`JPSL payments (${mode})`, () => {
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

    test('a JPSL payment is in the order list and its callback in the log', async () => {
      const orderId = `jp_${RUN}_${js ? 'h' : 'n'}`;
      const sent = await fetch(`${SIM}/__sim/jpsl/callbacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ order_id: orderId, amount: '75.00', outcome: 'success', form: !js }),
      });
      assert.equal(sent.status, 200);
      assert.deepEqual((await sent.json()).statuses, [200]);

      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`${BASE}/login?next=${encodeURIComponent(`/orders?q=${orderId}`)}`);
      await settle(page);
      await page.fill('#username', ADMIN);
      await page.fill('#password', ADMIN_PASSWORD);
      await page.click('button:has-text("Sign in")');
      await page.waitForURL(/\/orders/);
      await settle(page);
      for (let i = 0; i < 50; i++) {
        if (await page.getByRole('link', { name: orderId }).count()) break;
        await page.waitForTimeout(200);
        await page.reload();
        await settle(page);
      }
      const row = page.locator('tbody tr', { hasText: orderId });
      await row.getByText('JPSL').waitFor();
      await row.getByText('₹75.00').waitFor();

      await page.goto(`${BASE}/webhooks?source=jpsl&order=${orderId}`);
      await settle(page);
      await page.getByRole('cell', { name: 'JPSL_0000' }).waitFor();
      assert.equal(await page.inputValue('select[name="source"]'), 'jpsl', 'the source filter is kept');
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
