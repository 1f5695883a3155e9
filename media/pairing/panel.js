// Draws the pairing panel from the view the host sends (PageView in src/pairing/ui/pairingPanel.ts) with
// DOM calls only: every string from the host goes in as text, the QR code as an image source.
// The last view is kept in the webview state, so a panel shown again paints at once, then asks the
// host for the current one.
/* global acquireVsCodeApi */
(function () {
  'use strict';

  const vscode = acquireVsCodeApi();
  /** A state is never told by colour alone. */
  const MARKERS = { pending: '○', active: '…', done: '✓', failed: '✗' };

  const byId = (id) => document.getElementById(id);

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function stepItem(step) {
    const item = element('li', 'step');
    item.dataset.state = step.state;
    if (step.state === 'active') item.setAttribute('aria-current', 'step');
    const marker = element('span', 'marker', MARKERS[step.state] || '');
    marker.setAttribute('role', 'img');
    marker.setAttribute('aria-label', step.stateLabel);
    item.append(marker, element('span', 'label', step.label));
    if (step.detail) item.append(element('span', 'detail', step.detail));
    return item;
  }

  function renderQr(qr) {
    const box = byId('qr');
    const image = box.querySelector('img');
    box.hidden = !qr;
    if (!qr) {
      image.removeAttribute('src');
      image.alt = '';
      return;
    }
    if (image.getAttribute('src') !== qr.src) image.src = qr.src;
    image.alt = qr.alt;
  }

  function renderOutcome(outcome) {
    const box = byId('outcome');
    box.hidden = !outcome;
    if (!outcome) return;
    box.dataset.ok = String(outcome.ok);
    box.querySelector('.message').textContent = outcome.message;
    const label = box.querySelector('.hints-label');
    label.textContent = outcome.hintsLabel;
    label.hidden = outcome.hints.length === 0;
    box.querySelector('.hints').replaceChildren(...outcome.hints.map((hint) => element('li', 'hint', hint)));
  }

  function renderActions(actions) {
    const bar = byId('actions');
    // Keeps the keyboard where it was: the buttons are made anew for every view.
    const focused = bar.contains(document.activeElement) ? document.activeElement.dataset.action : undefined;
    bar.replaceChildren(
      ...actions.map(({ action, label }, index) => {
        const button = element('button', index === 0 ? 'primary' : 'secondary', label);
        button.type = 'button';
        button.dataset.action = action;
        return button;
      }),
    );
    if (focused === undefined) return;
    const buttons = [...bar.querySelectorAll('button')];
    (buttons.find((button) => button.dataset.action === focused) || buttons[0])?.focus();
  }

  function render(view) {
    document.body.dataset.mode = view.mode;
    byId('heading').textContent = view.heading;
    byId('instructions').replaceChildren(...view.instructions.map((text) => element('li', 'instruction', text)));
    renderQr(view.qr);
    byId('steps').replaceChildren(...view.steps.map(stepItem));
    renderOutcome(view.outcome);
    renderActions(view.actions);
  }

  byId('actions').addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-action]') : null;
    if (button) vscode.postMessage({ type: 'act', action: button.dataset.action });
  });

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (!message || message.type !== 'show') return;
    render(message.view);
    vscode.setState({ view: message.view });
  });

  const saved = vscode.getState();
  if (saved && saved.view) render(saved.view);
  vscode.postMessage({ type: 'ready' });
})();
