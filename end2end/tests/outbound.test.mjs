// Outbound events in a browser, hydrated and without JavaScript: an admin adds an endpoint
// (a receiver here that verifies with the `standardwebhooks` npm package, not the
// dashboard's code), sends a test event and sees it delivered in the log, then rotates the
// secret: the next event verifies with the new secret and, during the overlap, the old.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { confirmIdentity, launchChromium, signIn } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
assert.ok(BASE && ADMIN_PASSWORD, 'scripts/test sets the E2E_* variables');

/** A receiver on a free loopback port that keeps every request's headers and raw body. */
async function startReceiver() {
  const got = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/hooks`, got, server };
}

const verifies = (secret, request) => {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
};

async function until(what, check) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting until ${what}`);
}

/** The secret in the message matching `pattern`, once it shows. */
const secretIn = async (page, pattern) => {
  const message = page.getByText(pattern).first();
  await message.waitFor();
  return (await message.textContent()).match(/whsec_[A-Za-z0-9+/=]+/)[0];
};

for (const js of [true, false]) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`outbound events (${mode})`, () => {
    let browser;
    let receiver;
    before(async () => {
      browser = await launchChromium();
      receiver = await startReceiver();
    });
    after(async () => {
      await browser?.close();
      receiver?.server.close();
    });

    async function settle(page) {
      if (js) await page.waitForSelector('body[data-hydrated="true"]');
    }

    test('an admin adds an endpoint, tests it, sees it delivered and rotates its secret', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await signIn(page, { base: BASE, next: '/outbound', username: ADMIN, password: ADMIN_PASSWORD, js });
      await confirmIdentity(page, ADMIN_PASSWORD);
      await settle(page);
      await page.fill('#ep-url', receiver.url);
      await page.fill('#ep-description', `e2e ${mode}`);
      await page.click('button:has-text("Add endpoint")');
      const secret = await secretIn(page, /signing secret, shown only now/);
      await settle(page);

      const row = page.locator(`tr:has-text("${receiver.url}")`);
      await row.locator('button:has-text("Send test event")').click();
      await until('the test event arrives', () => receiver.got.length === 1);
      assert.ok(verifies(secret, receiver.got[0]), 'signed with the secret shown');
      assert.equal(JSON.parse(receiver.got[0].body).type, 'test.ping');
      await until('the log shows it delivered', async () => {
        await page.goto(`${BASE}/outbound`);
        await settle(page);
        return (await page.locator('td', { hasText: /^delivered$/ }).count()) > 0;
      });

      await row.locator('button:has-text("Rotate secret")').click();
      const rotated = await secretIn(page, /New signing secret for endpoint/);
      assert.notEqual(rotated, secret);
      await settle(page);
      await row.locator('button:has-text("Send test event")').click();
      await until('the second test event arrives', () => receiver.got.length === 2);
      assert.ok(verifies(rotated, receiver.got[1]), 'signed with the new secret');
      assert.ok(verifies(secret, receiver.got[1]), 'and with the old one during the overlap');
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
