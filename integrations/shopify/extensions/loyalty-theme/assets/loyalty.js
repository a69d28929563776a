/* The loyalty panel: balance, tier, rewards to redeem and referral links, read from the app
 * proxy (/apps/loyalty, same origin: Shopify adds the signature and the logged-in customer).
 * Plain ES2019, no framework, no build step. Service data reaches the page only as text
 * (createElement and textContent), never as HTML. */
(function () {
  'use strict';
  if (window.loyaltyPanelStarted) return; // the block may be on a page twice
  window.loyaltyPanelStarted = true;

  const DEFAULTS = {
    loading: 'Loading your points…', balance: 'Points', pending: 'Pending', tier: 'Tier',
    no_tier: 'None yet', next_spend: 'Spend {remaining} more to reach {tier}',
    next_points: 'Earn {remaining} more points to reach {tier}',
    top_tier: 'You are in the top tier', rewards: 'Rewards you can redeem',
    no_rewards: 'Keep earning: no reward is within reach yet.', cost: '{points} points',
    perk: 'Free with your tier', redeem: 'Redeem', redeeming: 'Redeeming…',
    code: 'Your code for {reward}:', redeem_failed: 'Could not redeem: {error}',
    referral: 'Invite friends',
    referral_text: 'Friends who order through your link earn you points:',
    share: 'Share the shop', login_needed: 'Log in to see your points.',
    offline: 'Could not reach the rewards service. Check your connection and try again.',
    failed: 'Your points could not be loaded right now. Please try again later.',
  };
  const NETWORKS = { facebook: 'Facebook', x: 'X', whatsapp: 'WhatsApp',
    pinterest: 'Pinterest', email: 'E-mail', link: 'Link' };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, key) =>
      (key in values ? String(values[key]) : whole));
  }

  function requestId() {
    const c = window.crypto;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    if (c && typeof c.getRandomValues === 'function') {
      return Array.from(c.getRandomValues(new Uint8Array(16)),
        (b) => b.toString(16).padStart(2, '0')).join('');
    }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function safeUrl(url) {
    return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
  }

  async function call(url, init) {
    const response = await fetch(url, Object.assign({ credentials: 'same-origin' }, init,
      { headers: Object.assign({ Accept: 'application/json' }, (init || {}).headers) }));
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const error = new Error((body && body.error) || 'HTTP ' + response.status);
      error.status = response.status;
      throw error;
    }
    return body || {};
  }

  function link(url, text) {
    const anchor = el('a', 'loyalty-panel__link', text);
    anchor.setAttribute('href', url);
    anchor.setAttribute('target', '_blank');
    anchor.setAttribute('rel', 'noopener noreferrer');
    return anchor;
  }

  function figure(label, value, className) {
    const item = el('div', 'loyalty-panel__figure');
    item.appendChild(el('dt', null, label));
    item.appendChild(el('dd', className, value));
    return item;
  }

  function summary(t, data) {
    const box = el('div', 'loyalty-panel__summary');
    const figures = el('dl', 'loyalty-panel__figures');
    figures.appendChild(figure(t('balance'), data.balance || 0, 'loyalty-panel__balance'));
    figures.appendChild(figure(t('pending'), data.pending || 0, 'loyalty-panel__pending'));
    figures.appendChild(figure(t('tier'), data.tier || t('no_tier'), 'loyalty-panel__tier'));
    box.appendChild(figures);
    const next = data.next_tier;
    if (next) {
      const key = next.basis === 'points' ? 'next_points' : 'next_spend';
      box.appendChild(el('p', 'loyalty-panel__next',
        fill(t(key), { remaining: next.remaining, tier: next.name })));
      const bar = el('progress', 'loyalty-panel__progress');
      bar.setAttribute('max', '100');
      bar.setAttribute('value', String(Math.max(0, Math.min(100, Number(next.percent) || 0))));
      bar.setAttribute('aria-label', fill(t(key), { remaining: next.remaining, tier: next.name }));
      box.appendChild(bar);
    } else if (data.tier) {
      box.appendChild(el('p', 'loyalty-panel__next', t('top_tier')));
    }
    return box;
  }

  function rewardList(panel, rewards) {
    const { t } = panel;
    const box = el('section', 'loyalty-panel__rewards');
    box.appendChild(el('h3', null, t('rewards')));
    if (!rewards.length) {
      box.appendChild(el('p', 'loyalty-panel__empty', t('no_rewards')));
      return box;
    }
    const list = el('ul', 'loyalty-panel__list');
    rewards.forEach((reward) => {
      const item = el('li', 'loyalty-panel__reward');
      item.appendChild(el('span', 'loyalty-panel__reward-name', reward.name || reward.id));
      item.appendChild(el('span', 'loyalty-panel__reward-cost',
        reward.perk ? t('perk') : fill(t('cost'), { points: reward.cost })));
      item.appendChild(redeemButton(panel, reward));
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function redeemButton(panel, reward) {
    const { t } = panel;
    const button = el('button', 'loyalty-panel__button', t('redeem'));
    button.setAttribute('type', 'button');
    button.addEventListener('click', async () => {
      if (button.disabled) return; // one request per click, not per double click
      button.disabled = true;
      button.textContent = t('redeeming');
      const body = new URLSearchParams({ reward: reward.id, request_id: requestId() });
      try {
        const done = await call(panel.proxy + '/redeem', { method: 'POST', body });
        const line = el('p', 'loyalty-panel__code', fill(t('code'), {
          reward: reward.name || reward.id }) + ' ');
        line.appendChild(el('strong', 'loyalty-panel__code-value', done.code));
        panel.codes.appendChild(line);
        await refresh(panel).catch(() => null); // the code stands even if this fails
      } catch (error) {
        button.disabled = false;
        button.textContent = t('redeem');
        panel.codes.appendChild(el('p', 'loyalty-panel__error',
          fill(t('redeem_failed'), { error: error.status ? error.message : t('offline') })));
      }
    });
    return button;
  }

  function referral(t, links) {
    const box = el('section', 'loyalty-panel__referral');
    const ref = links.referral;
    const url = ref && safeUrl(ref.url);
    if (url) {
      box.appendChild(el('h3', null, t('referral')));
      const line = el('p', null, t('referral_text') + ' ');
      line.appendChild(link(url, url));
      box.appendChild(line);
    }
    const share = links.share && links.share.links;
    const networks = share ? Object.keys(share).filter((n) => safeUrl(share[n])) : [];
    if (networks.length) {
      box.appendChild(el('h3', null, t('share')));
      const list = el('ul', 'loyalty-panel__share');
      networks.forEach((n) => {
        const item = el('li');
        item.appendChild(link(share[n], NETWORKS[n] || n));
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    return url || networks.length ? box : null;
  }

  function message(panel, text) {
    panel.root.textContent = '';
    panel.root.appendChild(el('p', 'loyalty-panel__status', text));
  }

  function render(panel, data) {
    const { root, t } = panel;
    root.textContent = '';
    root.appendChild(summary(t, data));
    root.appendChild(panel.codes);
    root.appendChild(rewardList(panel, Array.isArray(data.rewards) ? data.rewards : []));
    const shared = panel.links && referral(t, panel.links);
    if (shared) root.appendChild(shared);
  }

  async function refresh(panel) {
    render(panel, await call(panel.proxy + '/balance'));
  }

  async function mount(root) {
    const proxy = (root.getAttribute('data-proxy') || '/apps/loyalty').replace(/\/+$/, '');
    const t = (key) => root.getAttribute('data-t-' + key) || DEFAULTS[key];
    const panel = { root, t, proxy, codes: el('div', 'loyalty-panel__codes'), links: null };
    message(panel, t('loading'));
    const page = root.getAttribute('data-share-page') || '/';
    const links = call(proxy + '/links?' + new URLSearchParams({ page })).catch(() => null);
    try {
      const data = await call(proxy + '/balance');
      panel.links = await links;
      render(panel, data);
    } catch (error) {
      const key = error.status === 401 ? 'login_needed' : error.status ? 'failed' : 'offline';
      message(panel, t(key));
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-loyalty-panel]'), mount);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
