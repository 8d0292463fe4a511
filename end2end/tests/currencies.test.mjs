// Money in its currency's decimals, in a browser, hydrated and without JavaScript: payment
// links in yen and in Kuwaiti dinars are paid, and each order page shows its amount with
// the currency's decimals (none for yen, three for dinars), the refund form too.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, signIn, createPaymentLink } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const SIM = process.env.E2E_SIM_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
assert.ok(BASE && SIM && ADMIN_PASSWORD, 'scripts/test sets the E2E_* variables');

for (const js of [true, false]) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`currencies (${mode})`, () => {
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

    test('a yen order shows no decimals and a dinar order three', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await signIn(page, { base: BASE, next: '/orders', username: ADMIN, password: ADMIN_PASSWORD, js });
      for (const [currency, typed, shown] of [
        ['JPY', '500', '¥500'],
        ['KWD', '1.005', 'KWD 1.005'],
      ]) {
        await page.goto(`${BASE}/payment-links`);
        await settle(page);
        const orderId = await createPaymentLink(page, { amount: typed, currency });
        const paid = await fetch(`${SIM}/__sim/orders/${orderId}/pay`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ outcome: 'charged' }),
        });
        assert.equal(paid.status, 200);
        // The webhook marks the order paid; the page then offers the refund form.
        for (let i = 0; i < 50; i++) {
          await page.goto(`${BASE}/orders/${orderId}`);
          await settle(page);
          if (await page.locator('#refund-amount').count()) break;
          await page.waitForTimeout(200);
        }
        await page.getByText(shown).first().waitFor();
        assert.equal(await page.inputValue('#refund-amount'), typed, `${currency} refundable balance`);
      }
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
