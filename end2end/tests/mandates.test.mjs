// Mandates in a browser, hydrated and without JavaScript: an operator sees a mandate but
// no revoke button; an admin revokes it by typing its id.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { confirmIdentity, launchChromium, signIn } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const SIM = process.env.E2E_SIM_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
const SIM_KEY = process.env.E2E_SIM_API_KEY ?? 'e2e_api_key';
const SIM_MERCHANT = process.env.E2E_SIM_MERCHANT ?? 'e2e_merchant';
assert.ok(BASE && SIM && ADMIN_PASSWORD, 'scripts/test sets the E2E_* variables');

const RUN = Date.now().toString(36);

/** A customer registers a mandate at (simulated) Juspay: a mandate order paid by UPI. */
async function registerMandate(customer) {
  const orderId = `mreg_${customer}`;
  const res = await fetch(`${SIM}/orders`, {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from(`${SIM_KEY}:`).toString('base64'),
      'content-type': 'application/x-www-form-urlencoded',
      'x-merchantid': SIM_MERCHANT,
    },
    body: new URLSearchParams({
      order_id: orderId, amount: '1.00', customer_id: customer,
      'options.create_mandate': 'REQUIRED', 'mandate.max_amount': '500.00',
      'mandate.amount_rule': 'VARIABLE', 'mandate.frequency': 'MONTHLY',
    }),
  });
  assert.equal(res.status, 200, await res.text());
  const paid = await fetch(`${SIM}/__sim/orders/${orderId}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome: 'charged', method: 'UPI' }),
  });
  assert.equal(paid.status, 200);
}

for (const js of [true, false]) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`mandates (${mode})`, () => {
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

    async function signInOn(context, user, password) {
      const page = await context.newPage();
      await signIn(page, { base: BASE, next: '/mandates', username: user, password, js });
      return page;
    }

    test('an operator cannot revoke; an admin revokes with the typed id', async () => {
      const customer = `c${RUN}${js ? 'h' : 'n'}`;
      await registerMandate(customer);
      const adminContext = await browser.newContext({ javaScriptEnabled: js });
      const admin = await signInOn(adminContext, ADMIN, ADMIN_PASSWORD);
      const problems = [];
      admin.on('pageerror', (e) => problems.push(e.message));

      const operatorName = `op${RUN}${js ? 'h' : 'n'}`;
      await admin.goto(`${BASE}/users`);
      await settle(admin);
      await confirmIdentity(admin, ADMIN_PASSWORD);
      await settle(admin);
      await admin.fill('#new-username', operatorName);
      await admin.fill('#new-password', 'operator password 1');
      await admin.selectOption('#new-role', 'operator');
      await admin.click('button:has-text("Add user")');
      await admin.getByText(`User ${operatorName} created as operator.`).waitFor();

      // The mandate arrives by webhook; open it from the filtered list.
      let link;
      for (let i = 0; i < 50; i++) {
        await admin.goto(`${BASE}/mandates?customer=${customer}`);
        await settle(admin);
        link = admin.locator('tbody tr a').first();
        if (await link.count()) break;
        await admin.waitForTimeout(200);
      }
      const mandateId = (await link.getAttribute('aria-label')).trim();

      const operatorContext = await browser.newContext({ javaScriptEnabled: js });
      const operator = await signInOn(operatorContext, operatorName, 'operator password 1');
      await operator.goto(`${BASE}/mandates/${mandateId}`);
      await settle(operator);
      await operator.getByTestId('status').getByText('ACTIVE').waitFor();
      await operator.getByRole('button', { name: 'Check status with Juspay' }).waitFor();
      assert.equal(await operator.getByRole('button', { name: 'Revoke mandate' }).count(), 0,
        'an operator sees no revoke button');
      await operatorContext.close();

      await admin.goto(`${BASE}/mandates/${mandateId}`);
      await settle(admin);
      await admin.fill('#revoke-confirm', 'not the id');
      await admin.fill('#revoke-reason', 'customer request');
      await admin.click('button:has-text("Revoke mandate")');
      await admin.getByText('Type the mandate id exactly to confirm.').waitFor();
      await settle(admin);
      await admin.fill('#revoke-confirm', mandateId);
      await admin.fill('#revoke-reason', 'customer request');
      await admin.click('button:has-text("Revoke mandate")');
      await admin.getByText(`Mandate ${mandateId} is now REVOKED.`).first().waitFor();
      await admin.getByTestId('status').getByText('REVOKED').waitFor();
      assert.deepEqual(problems, []);
      await adminContext.close();
    });
  });
}
