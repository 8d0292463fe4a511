// Disputes in a browser, hydrated and without JavaScript: a chargeback raised at the
// simulator on a paid order appears on the Disputes page with its deadline and in the alert
// banner; a contest is recorded with an evidence file, which the dispute page then lists.
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
  describe(`disputes (${mode})`, () => {
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

    // Reloads `path` until `locator(page)` shows, for state that arrives by webhook.
    async function reloadUntil(page, path, locator) {
      for (let i = 0; i < 60; i++) {
        await page.goto(`${BASE}${path}`);
        await settle(page);
        if (await locator(page).count()) return;
        await page.waitForTimeout(250);
      }
      assert.fail(`${path} never showed what was expected`);
    }

    test('a chargeback shows with its deadline and alert, and a contest is recorded with a file', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await signIn(page, { base: BASE, next: '/payment-links', username: ADMIN, password: ADMIN_PASSWORD, js });
      await settle(page);
      const orderId = await createPaymentLink(page, { amount: '75.00' });
      const paid = await fetch(`${SIM}/__sim/orders/${orderId}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'charged' }),
      });
      assert.equal(paid.status, 200);
      await reloadUntil(page, `/orders/${orderId}`, (p) => p.locator('#refund-amount'));

      const raised = await fetch(`${SIM}/__sim/orders/${orderId}/chargebacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'item not received' }),
      });
      assert.equal(raised.status, 200);
      const disputeId = (await raised.json()).id;
      const awaiting = (p) => p.locator('[data-testid="awaiting"]').getByRole('link', { name: disputeId });
      await reloadUntil(page, '/disputes', awaiting);
      await reloadUntil(page, '/disputes', (p) => p.getByText(`Dispute ${disputeId} on order ${orderId}`));

      await awaiting(page).click();
      await page.waitForURL(`**/disputes/${disputeId}`);
      await settle(page);
      assert.match(await page.getByTestId('respond-by').textContent(), /Respond by: .* IST \(in \d+/);
      await page.check('input[name="decision"][value="CONTEST"]');
      await page.fill('#dispute-note', 'Courier proof of delivery sent to the acquirer.');
      await page.setInputFiles('#dispute-evidence', {
        name: 'proof of delivery.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from('%PDF-1.4\nSigned for by the customer on 3 Dec.\n'),
      });
      await page.click('button:has-text("Record")');
      await page.getByText(`Dispute ${disputeId}: contested recorded.`).waitFor();
      await page.getByRole('link', { name: 'proof of delivery.pdf' }).waitFor();
      assert.match(await page.getByTestId('responses').textContent(), /contested by admin/);
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
