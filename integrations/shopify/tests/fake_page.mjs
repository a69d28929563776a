// A tiny fake of the DOM loyalty.js uses, a fake app proxy (`fetch`), and a way to run the
// script in its own global scope with both. `innerHTML` throws: the script must never use it.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const SCRIPT = new URL('../extensions/loyalty-theme/assets/loyalty.js', import.meta.url);

class FakeText {
  constructor(text) { this.textContent = String(text); this.parentNode = null; }
}

export class FakeElement {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.className = '';
    this.disabled = false;
    this.attributes = new Map();
    this.childNodes = [];
    this.parentNode = null;
    this.listeners = [];
  }

  get children() { return this.childNodes.filter((n) => n instanceof FakeElement); }
  get textContent() { return this.childNodes.map((n) => n.textContent).join(''); }
  set textContent(text) {
    this.childNodes.forEach((n) => { n.parentNode = null; });
    this.childNodes = [];
    if (text !== '') this.appendChild(new FakeText(text));
  }
  set innerHTML(_) { throw new Error('innerHTML must not be used'); }
  insertAdjacentHTML() { throw new Error('insertAdjacentHTML must not be used'); }

  appendChild(node) {
    const old = node.parentNode ? node.parentNode.childNodes : [];
    if (old.includes(node)) old.splice(old.indexOf(node), 1);
    node.parentNode = this;
    this.childNodes.push(node);
    return node;
  }
  setAttribute(name, value) { this.attributes.set(name, String(value)); }
  getAttribute(name) { return this.attributes.has(name) ? this.attributes.get(name) : null; }
  addEventListener(type, listener) { this.listeners.push({ type, listener }); }
  click() {
    this.listeners.filter((l) => l.type === 'click').forEach((l) => l.listener({ target: this }));
  }

  matches(selector) {
    if (selector.startsWith('.')) return this.className.split(' ').includes(selector.slice(1));
    if (selector.startsWith('[')) return this.attributes.has(selector.slice(1, -1));
    return this.tagName === selector.toUpperCase();
  }
  querySelectorAll(selector) {
    return this.children.flatMap((c) => [...(c.matches(selector) ? [c] : []),
      ...c.querySelectorAll(selector)]);
  }
  querySelector(selector) { return this.querySelectorAll(selector)[0] || null; }
}

export class FakeDocument {
  constructor() {
    this.readyState = 'complete';
    this.body = new FakeElement('body');
    this.created = [];
  }
  createElement(tag) {
    const made = new FakeElement(tag);
    this.created.push(made.tagName);
    return made;
  }
  createTextNode(text) { return new FakeText(text); }
  querySelectorAll(selector) { return this.body.querySelectorAll(selector); }
  addEventListener() {}
}

// answers: {"/apps/loyalty/balance": {status, body} | Error | (call) => {status, body}}
export function fakeProxy(answers) {
  const calls = [];
  async function fetch(url, init = {}) {
    const call = { url: String(url), method: init.method || 'GET', init,
      body: init.body ? new URLSearchParams(init.body) : null };
    calls.push(call);
    let answer = answers[call.url.split('?')[0]];
    if (typeof answer === 'function') answer = await answer(call);
    if (answer instanceof Error) throw answer;
    if (!answer) answer = { status: 404, body: { error: 'no such action', code: 'not-found' } };
    return { ok: answer.status < 300, status: answer.status,
      json: async () => JSON.parse(JSON.stringify(answer.body)) };
  }
  return { fetch, calls };
}

// A document holding one logged-in block, as blocks/loyalty-panel.liquid renders it.
export function loadPanel(answers, attributes = {}) {
  const document = new FakeDocument();
  const root = document.createElement('div');
  root.setAttribute('data-loyalty-panel', '');
  root.setAttribute('data-proxy', '/apps/loyalty');
  root.setAttribute('data-share-page', '/');
  Object.entries(attributes).forEach(([name, value]) => root.setAttribute(name, value));
  document.body.appendChild(root);
  const proxy = fakeProxy(answers);
  const scope = { document, fetch: proxy.fetch, URLSearchParams, crypto: globalThis.crypto };
  scope.window = scope;
  vm.runInNewContext(readFileSync(SCRIPT, 'utf8'), scope, { filename: 'loyalty.js' });
  return { document, root, calls: proxy.calls };
}

export async function settle() {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

export const texts = (root, selector) => root.querySelectorAll(selector).map((n) => n.textContent);
