// loyalty.js against a fake app proxy: what a logged-in customer sees, and what they see when
// something goes wrong. Run: node --test integrations/shopify/tests/
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadPanel, settle, texts } from './fake_page.mjs';

const BALANCE = {
  member: true, balance: 356, pending: 40, tier: 'Silver',
  next_tier: { name: 'Gold', basis: 'spend', threshold: '1500.00', reached: '600.00',
    remaining: '900.00', percent: 40 },
  rewards: [
    { id: '5-off', type: 'fixed_amount', cost: 50, perk: false, value: '5.00',
      affordable: true, points_needed: 0 },
    { id: 'free-shipping', type: 'free_shipping', cost: 0, perk: true, value: null,
      affordable: true, points_needed: 0 },
  ],
  history: [],
};
const LINKS = {
  referral: { code: 'REFALICE', url: 'https://loyalty.example.com/r/REFALICE' },
  share: { code: 'SHR1', page: 'https://shop.example.com/',
    links: { facebook: 'https://loyalty.example.com/s/SHR1?n=facebook',
      x: 'https://loyalty.example.com/s/SHR1?n=x' } },
};
const ok = (body) => ({ status: 200, body });
const PROXY = '/apps/loyalty';

test('renders balance, pending, tier, progress, rewards and links from the proxy', async () => {
  const { root, calls } = loadPanel({ [`${PROXY}/balance`]: ok(BALANCE),
    [`${PROXY}/links`]: ok(LINKS) });
  await settle();
  assert.deepEqual(texts(root, '.loyalty-panel__balance'), ['356']);
  assert.deepEqual(texts(root, '.loyalty-panel__pending'), ['40']);
  assert.deepEqual(texts(root, '.loyalty-panel__tier'), ['Silver']);
  assert.deepEqual(texts(root, '.loyalty-panel__next'), ['Spend 900.00 more to reach Gold']);
  assert.equal(root.querySelector('progress').getAttribute('value'), '40');
  assert.deepEqual(texts(root, '.loyalty-panel__reward-name'), ['5-off', 'free-shipping']);
  assert.deepEqual(texts(root, '.loyalty-panel__reward-cost'),
    ['50 points', 'Free with your tier']);
  assert.equal(root.querySelectorAll('button').length, 2);
  const hrefs = root.querySelectorAll('a').map((a) => [a.textContent, a.getAttribute('href')]);
  assert.deepEqual(hrefs, [
    ['https://loyalty.example.com/r/REFALICE', 'https://loyalty.example.com/r/REFALICE'],
    ['Facebook', 'https://loyalty.example.com/s/SHR1?n=facebook'],
    ['X', 'https://loyalty.example.com/s/SHR1?n=x'],
  ]);
  assert.deepEqual(calls.map((c) => c.url).sort(), [`${PROXY}/balance`, `${PROXY}/links?page=%2F`]);
  assert.ok(calls.every((c) => c.init.credentials === 'same-origin'));
});

test('a 401 from the proxy shows only the log-in message', async () => {
  const refused = { status: 401,
    body: { error: 'log in to see your points', code: 'not-logged-in' } };
  const { root } = loadPanel({ [`${PROXY}/balance`]: refused, [`${PROXY}/links`]: refused });
  await settle();
  assert.equal(root.children.length, 1);
  assert.equal(root.textContent, 'Log in to see your points.');
  assert.equal(root.querySelectorAll('button').length, 0);
});

test('a network failure shows a short message instead of the panel', async () => {
  const down = new TypeError('Failed to fetch');
  const { root } = loadPanel({ [`${PROXY}/balance`]: down, [`${PROXY}/links`]: down });
  await settle();
  assert.equal(root.children.length, 1);
  assert.match(root.textContent, /Could not reach the rewards service/);
});

test('hostile strings from the service are shown as text, never parsed as HTML', async () => {
  const hostile = '<img src=x onerror=alert(1)>';
  const answer = { ...BALANCE, tier: '<b>Gold</b>',
    rewards: [{ ...BALANCE.rewards[0], id: hostile, name: hostile }] };
  const links = { referral: { code: 'X', url: 'javascript:alert(1)' }, share: null };
  const { root, document } = loadPanel({ [`${PROXY}/balance`]: ok(answer),
    [`${PROXY}/links`]: ok(links) });
  await settle();
  assert.deepEqual(texts(root, '.loyalty-panel__reward-name'), [hostile]);
  assert.deepEqual(texts(root, '.loyalty-panel__tier'), ['<b>Gold</b>']);
  assert.ok(!document.created.includes('IMG') && !document.created.includes('B'));
  assert.equal(root.querySelectorAll('a').length, 0, 'a javascript: URL is never linked');
});

test('redeem POSTs once per click with a request id and shows the code', async () => {
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const { root, calls } = loadPanel({
    [`${PROXY}/balance`]: ok(BALANCE), [`${PROXY}/links`]: ok(LINKS),
    [`${PROXY}/redeem`]: async (call) => {
      await gate;
      return ok({ code: `LOY-${call.body.get('request_id').slice(0, 4)}`, reward: '5-off',
        points: 50, status: 'pending', repeated: false });
    },
  });
  await settle();
  const button = root.querySelector('button');
  button.click();
  button.click(); // a double click while the first is on its way
  await settle();
  assert.equal(button.textContent, 'Redeeming…');
  release();
  await settle();
  const posts = () => calls.filter((c) => c.url === `${PROXY}/redeem`);
  assert.equal(posts().length, 1);
  const [first] = posts();
  assert.equal(first.method, 'POST');
  assert.equal(first.body.get('reward'), '5-off');
  assert.match(first.body.get('request_id'), /^[0-9a-f-]{16,}$/);
  const code = `LOY-${first.body.get('request_id').slice(0, 4)}`;
  assert.deepEqual(texts(root, '.loyalty-panel__code-value'), [code]);
  assert.deepEqual(texts(root, '.loyalty-panel__code'), [`Your code for 5-off: ${code}`]);
  root.querySelector('button').click(); // the refreshed panel's button: a new redemption
  await settle();
  assert.equal(posts().length, 2);
  assert.notEqual(posts()[1].body.get('request_id'), first.body.get('request_id'));
  assert.equal(root.querySelectorAll('.loyalty-panel__code').length, 2);
});

test('a refused redeem says why and lets the customer try again', async () => {
  const { root } = loadPanel({
    [`${PROXY}/balance`]: ok(BALANCE), [`${PROXY}/links`]: ok(LINKS),
    [`${PROXY}/redeem`]: { status: 409, body: { error: 'not enough points', code: 'refused' } },
  });
  await settle();
  const button = root.querySelector('button');
  button.click();
  await settle();
  assert.deepEqual(texts(root, '.loyalty-panel__error'), ['Could not redeem: not enough points']);
  assert.equal(button.disabled, false);
  assert.equal(button.textContent, 'Redeem');
});

test('labels come from the block\'s data-t-* attributes when given', async () => {
  const { root } = loadPanel({ [`${PROXY}/balance`]: ok({ ...BALANCE, next_tier: null }),
    [`${PROXY}/links`]: { status: 409, body: { error: 'join the program first' } } },
  { 'data-t-balance': 'Punkte', 'data-t-top_tier': 'Höchste Stufe' });
  await settle();
  assert.equal(root.querySelector('dt').textContent, 'Punkte');
  assert.deepEqual(texts(root, '.loyalty-panel__next'), ['Höchste Stufe']);
  assert.equal(root.querySelector('.loyalty-panel__referral'), null, 'no links: no section');
});
