// Two-factor sign-in and sessions in a browser, hydrated and without JavaScript: a user enrols
// an authenticator by reading the secret from the page (the test computes the codes as an
// app would, RFC 6238), keeps the recovery codes shown once, signs in again with a code, and
// ends the session of their second browser from the sessions page.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { atPath, launchChromium } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
assert.ok(BASE && ADMIN_PASSWORD, 'scripts/test sets the E2E_* variables');

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const bytes = [];
  for (const c of text.replace(/=+$/, '')) {
    value = ((value << 5) | alphabet.indexOf(c)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** The six-digit code of `secret` for the 30-second step holding `unixSeconds`. */
function totp(secret, unixSeconds) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const at = mac[mac.length - 1] & 0x0f;
  const number = ((mac[at] & 0x7f) << 24) | (mac[at + 1] << 16) | (mac[at + 2] << 8) | mac[at + 3];
  return String(number % 1_000_000).padStart(6, '0');
}

for (const js of [true, false]) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`two-factor sign-in (${mode})`, () => {
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

    async function signIn(page, username, password) {
      await page.goto(`${BASE}/login`);
      await settle(page);
      await page.fill('#username', username);
      await page.fill('#password', password);
      await page.click('button:has-text("Sign in")');
    }

    test('a user enrols an authenticator, signs in with a code and ends their other session', async () => {
      const username = `totp-${mode}`;
      const password = 'two factor password for e2e';
      const admin = await browser.newContext({ javaScriptEnabled: js });
      const created = await admin.request.post(`${BASE}/api/login`, {
        form: { username: ADMIN, password: ADMIN_PASSWORD },
        headers: { origin: BASE, accept: 'application/json' },
        maxRedirects: 0,
      });
      assert.equal(created.status(), 200);
      const confirmed = await admin.request.post(`${BASE}/api/confirm_identity`, {
        form: { confirm_password: ADMIN_PASSWORD },
        headers: { origin: BASE, accept: 'application/json' },
      });
      assert.equal(confirmed.status(), 200, await confirmed.text());
      const user = await admin.request.post(`${BASE}/api/create_user`, {
        form: { username, password, role: 'operator' },
        headers: { origin: BASE, accept: 'application/json' },
      });
      assert.equal(user.status(), 200, await user.text());
      await admin.close();

      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      await signIn(page, username, password);
      await page.waitForURL(atPath('/orders'));
      await page.goto(`${BASE}/account/two-factor`);
      await settle(page);
      assert.equal(await page.locator('.qr svg').count(), 1, 'the QR code is on the page');
      const secret = (await page.locator('#totp-secret').innerText()).trim();
      await page.fill('#code', totp(secret, Date.now() / 1000));
      await page.click('button:has-text("Turn on")');
      await page.locator('.recovery-codes li').first().waitFor();
      const recovery = await page.locator('.recovery-codes li').allInnerTexts();
      assert.equal(recovery.length, 10);

      await page.click('button:has-text("Sign out")');
      await page.waitForURL(atPath('/login'));
      await signIn(page, username, password);
      await page.waitForURL(atPath('/login/code'));
      await settle(page);
      // The enrolment used this step's code; the next step's is within the allowed drift.
      await page.fill('#code', totp(secret, Date.now() / 1000 + 30));
      await page.click('button:has-text("Sign in")');
      await page.waitForURL(atPath('/orders'));
      await settle(page);
      await page.locator('.who .username').waitFor();
      assert.match(await page.locator('.who .username').innerText(), new RegExp(username));

      // A second browser of the same user; the first ends it from its sessions page.
      const other = await browser.newContext({ javaScriptEnabled: js, userAgent: `Second browser ${mode}` });
      const otherPage = await other.newPage();
      await signIn(otherPage, username, password);
      await otherPage.waitForURL(atPath('/login/code'));
      await settle(otherPage);
      // The code of this step is used; a recovery code signs the second browser in.
      await otherPage.fill('#code', recovery[0].trim());
      await otherPage.click('button:has-text("Sign in")');
      await otherPage.waitForURL(atPath('/orders'));
      await page.goto(`${BASE}/account/sessions`);
      await settle(page);
      const row = page.locator('tr', { hasText: `Second browser ${mode}` });
      await row.getByRole('button', { name: 'End' }).click();
      await page.getByText('One session ended.').first().waitFor();
      await otherPage.goto(`${BASE}/orders`);
      await otherPage.waitForURL(atPath('/login'));
      await other.close();
      await context.close();
    });
  });
}
