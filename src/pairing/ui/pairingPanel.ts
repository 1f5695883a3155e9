// The wireless pairing panel: the QR code the phone scans, the instructions, the steps as the flow
// reaches them, the outcome with what to check, and the buttons. It renders the view the flow gives
// it and reports the buttons pressed; it decides nothing.
//
// The page (pairingHtml.ts, media/pairing/) is drawn by its own script from the host's messages.
// It is not retained while hidden: the host keeps the last view and sends it again when the page
// says it is ready, and the page paints its saved state at once meanwhile.

import * as vscode from 'vscode';
import { DisposableBase } from '../../core/lifecycle';
import { newNonce, pairingHtml, PAIRING_VIEW_TYPE } from './pairingHtml';
import { qrImageSource } from './qrSvg';

export { PAIRING_VIEW_TYPE };

export type PairingAction = 'retry' | 'cancel' | 'close' | 'pairWithCode';

export interface PairingStep {
  label: string;
  state: 'pending' | 'active' | 'done' | 'failed';
  detail?: string;
}

export interface PairingView {
  mode: 'qr' | 'code';
  heading: string;
  instructions: string[];
  /** The `WIFI:T:ADB;...` text: drawn as a QR code, never shown as text or logged. */
  qrPayload?: string;
  steps: PairingStep[];
  /** `hints`: what to check after a failure. */
  outcome?: { ok: boolean; message: string; hints: string[] };
  /** The buttons, in this order; the first is the primary one. */
  actions: PairingAction[];
}

/** What the page draws: the view with its code as an image and every label in place. */
interface PageView {
  mode: PairingView['mode'];
  heading: string;
  instructions: string[];
  qr?: { src: string; alt: string };
  steps: { label: string; state: PairingStep['state']; stateLabel: string; detail?: string }[];
  outcome?: { ok: boolean; message: string; hintsLabel: string; hints: string[] };
  actions: { action: PairingAction; label: string }[];
}

type ToPage = { type: 'show'; view: PageView };

function stateLabel(state: PairingStep['state']): string {
  switch (state) {
    case 'pending':
      return vscode.l10n.t('Not started');
    case 'active':
      return vscode.l10n.t('In progress');
    case 'done':
      return vscode.l10n.t('Done');
    case 'failed':
      return vscode.l10n.t('Failed');
  }
}

function actionLabel(action: PairingAction): string {
  switch (action) {
    case 'retry':
      return vscode.l10n.t('Try Again');
    case 'cancel':
      return vscode.l10n.t('Cancel');
    case 'close':
      return vscode.l10n.t('Close');
    case 'pairWithCode':
      return vscode.l10n.t('Pair with a Code Instead');
  }
}

export class PairingPanel extends DisposableBase {
  private readonly panel: vscode.WebviewPanel;
  private readonly acted = this.register(new vscode.EventEmitter<PairingAction>());
  /** A button pressed, one of the view's actions. `close` then disposes the panel. */
  readonly onDidAct = this.acted.event;
  // Not in the store: it fires once everything else is disposed.
  private readonly disposed = new vscode.EventEmitter<void>();
  /** The panel closed, by the user or by dispose(). */
  readonly onDidDispose = this.disposed.event;
  private view?: PairingView;
  private page?: PageView;
  /** The last code drawn: a step changing does not draw it again. */
  private qr?: { payload: string; src: string };

  static open(extensionUri: vscode.Uri): PairingPanel {
    return new PairingPanel(extensionUri);
  }

  private constructor(extensionUri: vscode.Uri) {
    super();
    const media = vscode.Uri.joinPath(extensionUri, 'media', 'pairing');
    this.panel = this.register(
      vscode.window.createWebviewPanel(PAIRING_VIEW_TYPE, vscode.l10n.t('Pair over Wi-Fi'), vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [media],
      }),
    );
    const webview = this.panel.webview;
    this.register(webview.onDidReceiveMessage((message: unknown) => this.receive(message)));
    this.register(this.panel.onDidDispose(() => this.dispose()));
    webview.html = pairingHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css')).toString(),
      lang: vscode.env.language,
    });
  }

  /** Replaces what the panel shows. */
  show(view: PairingView): void {
    this.view = view;
    this.page = this.pageView(view);
    this.post();
  }

  override dispose(): void {
    if (this.store.isDisposed) return;
    super.dispose();
    this.disposed.fire();
    this.disposed.dispose();
  }

  private pageView(view: PairingView): PageView {
    return {
      mode: view.mode,
      heading: view.heading,
      instructions: view.instructions,
      qr: view.qrPayload === undefined ? undefined : { src: this.qrSource(view.qrPayload), alt: vscode.l10n.t('QR code to scan with the phone') },
      steps: view.steps.map((step) => ({ ...step, stateLabel: stateLabel(step.state) })),
      outcome: view.outcome && { ...view.outcome, hintsLabel: vscode.l10n.t('Things to check:') },
      actions: view.actions.map((action) => ({ action, label: actionLabel(action) })),
    };
  }

  private qrSource(payload: string): string {
    if (this.qr?.payload !== payload) this.qr = { payload, src: qrImageSource(payload) };
    return this.qr.src;
  }

  /** A hidden page does not get it; it asks for the view again when it is shown. */
  private post(): void {
    if (!this.page || this.store.isDisposed) return;
    const message: ToPage = { type: 'show', view: this.page };
    void this.panel.webview.postMessage(message);
  }

  /** From the page: 'ready' (send the view), or a button; anything else is ignored. */
  private receive(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const { type, action } = message as { type?: unknown; action?: unknown };
    if (type === 'ready') {
      this.post();
      return;
    }
    // Only a button the view shows (a stale page may still show older ones).
    const pressed = type === 'act' ? this.view?.actions.find((shown) => shown === action) : undefined;
    if (pressed === undefined) return;
    this.acted.fire(pressed);
    if (pressed === 'close') this.dispose();
  }
}
