// Wireless pairing from VS Code: the QR code path (a panel that shows the code and each step) and
// the pairing-code path (pick the phone the network shows, type its six digits, follow the steps in
// a notification). The pairing itself is the adb server's work (src/pairing/model/pairingFlow.ts); a server
// too old for it gets one message that says which platform-tools pairing needs. A server without
// mDNS (the Linux distributions' adb builds) cannot find a phone: the QR path says so and offers
// the code path, which then asks for the phone's addresses (to pair, then to connect).

import * as vscode from 'vscode';
import { DisposableBase, DisposableStore, MutableDisposable } from '../../core/lifecycle';
import { NetworkBrowser } from '../model/networkBrowser';
import { checkPairingSupport, DEFAULT_PAIRING_TIMING, PairingFailure, PairingFlow, PairingState, PairingStep, PairingSupport, pairingWatcher, showsQrCode } from '../model/pairingFlow';
import { WatcherModel } from '../../devices/model/watcherModel';
import { parseWifiAddress } from '../../core/address';
import { newPairingSecrets, PAIRING_MIN_PLATFORM_TOOLS, PairingSecrets, qrPairingPayload, TLS_PAIRING_SERVICE } from '../model/wirelessPairing';
import { deviceName, inert } from '../../devices/ui/deviceText';
import { PairingPanel, PairingView } from './pairingPanel';
import { chooseServer } from '../../devices/ui/wifi';

const PLATFORM_TOOLS_PAGE = 'https://developer.android.com/tools/releases/platform-tools';
const STEPS: readonly PairingStep[] = ['waiting-for-phone', 'pairing', 'waiting-for-device'];

export class WirelessPairing extends DisposableBase {
  /** At most one QR panel; a second QR command shows it again with a new code. */
  private readonly qrSession = this.register(new MutableDisposable<DisposableStore>());

  constructor(
    private readonly model: WatcherModel,
    private readonly browser: NetworkBrowser,
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
  }

  /** Opens the QR panel and runs one pairing; resolves with how that attempt ended (undefined: not started). */
  async pairWithQrCode(server?: string): Promise<PairingState | undefined> {
    const target = server ?? (await chooseServer(this.model));
    if (!target) return undefined;
    const support = await this.support(target);
    if (support.can === 'code') this.explainNoQrCode(target, support);
    if (support.can !== 'qr') return undefined;
    const session = new DisposableStore();
    this.qrSession.value = session;
    const panel = session.add(PairingPanel.open(this.extensionUri));
    const attempt = session.add(new MutableDisposable<PairingFlow>());
    const start = (): Promise<PairingState> => {
      const secrets = newPairingSecrets();
      const flow = new PairingFlow(pairingWatcher(this.model), target);
      attempt.value = flow;
      const render = (state: PairingState) => panel.show(qrView(state, secrets));
      flow.onDidChange(render);
      render(flow.state);
      // The code's name and password stay out of the log: anyone reading it could pair in the phone's place.
      this.log.info(`wireless pairing through ${target}: showing a QR code`);
      return flow
        .pairWithQrCode(secrets)
        .then((state) => this.finish(state, target))
        .then((state) => {
          // Drawn again once the device has said its name.
          if (attempt.value === flow) render(state);
          return state;
        });
    };
    session.add(
      panel.onDidAct((action) => {
        if (action === 'retry') void start();
        else if (action === 'cancel') attempt.value?.cancel();
        else if (action === 'close') panel.dispose();
        else if (action === 'pairWithCode') {
          panel.dispose();
          void vscode.commands.executeCommand('androidDeviceWatcher.pairWithCode', undefined, undefined, target);
        }
      }),
    );
    session.add(
      panel.onDidDispose(() => {
        if (this.qrSession.value === session) this.qrSession.clear();
      }),
    );
    return start();
  }

  /**
   * Pairs with the six-digit code the phone shows. `address` (the phone's pairing `host:port`) and
   * `code` skip their prompts (other extensions, tests).
   */
  async pairWithCode(address?: string, code?: string, server?: string): Promise<PairingState | undefined> {
    const target = server ?? (await chooseServer(this.model));
    if (!target) return undefined;
    const support = await this.support(target);
    if (support.can === 'none') return undefined;
    // Without mDNS the server lists no phone: the address is typed, and so is the one to connect.
    const findsPhones = support.can === 'qr';
    const phone = address ?? (findsPhones ? await this.choosePairingService(target) : await this.typePairingAddress());
    if (!phone) return undefined;
    const digits =
      code ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Pair with {0}', phone),
        prompt: vscode.l10n.t('The six-digit Wi-Fi pairing code the phone shows'),
        placeHolder: '123456',
        ignoreFocusOut: true,
        validateInput: (value) => (/^\d{6}$/.test(value.trim()) ? undefined : vscode.l10n.t('Six digits, as the phone shows them')),
      }))?.trim();
    if (!digits) return undefined;
    const flow = new PairingFlow(pairingWatcher(this.model), target);
    try {
      const ended = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pairing with {0}', phone), cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => flow.cancel());
          flow.onDidChange((next) => progress.report({ message: stepLabel(next) }));
          return flow.pairWithCode(phone, digits, findsPhones ? undefined : () => this.typeConnectAddress(phone));
        },
      );
      const state = await this.finish(ended, target);
      if (state.step === 'done') {
        void vscode.window.showInformationMessage(vscode.l10n.t('Paired and connected: {0} ({1})', inert(deviceName(state.device)), inert(state.device.serial)));
      } else if (state.step === 'failed') {
        void vscode.window.showErrorMessage(vscode.l10n.t('Pairing with {0} failed: {1}', phone, [failureText(state), ...hints(state.failure)].join(' ')));
      }
      return state;
    } finally {
      flow.dispose();
    }
  }

  private async finish(state: PairingState, server: string): Promise<PairingState> {
    if (state.step === 'done') {
      this.log.info(`wireless pairing through ${server}: ${state.device.serial} paired and connected`);
      this.model.select(state.device);
      return { step: 'done', device: await this.model.whenNamed(state.device) };
    } else if (state.step === 'failed') {
      this.log.warn(`wireless pairing through ${server} failed while ${state.at}: ${state.failure}: ${state.message}`);
      if (state.failure === 'unsupported') this.showTooOld(server);
    } else if (state.step === 'cancelled') {
      this.log.info(`wireless pairing through ${server}: cancelled`);
    }
    return state;
  }

  /** What `server` can do; a server too old to pair is said to be, once. */
  private async support(server: string): Promise<PairingSupport> {
    const support = await checkPairingSupport(pairingWatcher(this.model), server);
    if (support.can === 'none') {
      this.log.warn(`wireless pairing: ${support.message}`);
      this.showTooOld(server);
    } else if (support.can === 'code') {
      this.log.warn(`wireless pairing: mDNS on ${server}: ${support.message}`);
    }
    return support;
  }

  /** A QR code needs the server's mDNS (it finds the phone by it); a pairing code does not. */
  private explainNoQrCode(server: string, support: PairingSupport): void {
    const withCode = vscode.l10n.t('Pair with a Code');
    const download = vscode.l10n.t('Get Platform-Tools');
    const shown = support.builtWithoutMdns
      ? vscode.window.showErrorMessage(
          vscode.l10n.t(
            "The adb server at {0} was built without mDNS discovery (as the Linux distributions' adb packages are), so it cannot find a phone that scans a QR code. Pair with a pairing code and the address the phone shows instead; Google's platform-tools have mDNS.",
            server,
          ),
          withCode,
          download,
        )
      : vscode.window.showErrorMessage(vscode.l10n.t('Cannot pair with a QR code through the adb server at {0}: {1}', server, inert(support.message)), withCode);
    void shown.then((choice) => {
      if (choice === withCode) void vscode.commands.executeCommand('androidDeviceWatcher.pairWithCode', undefined, undefined, server);
      else if (choice === download) void vscode.env.openExternal(vscode.Uri.parse(PLATFORM_TOOLS_PAGE));
    });
  }

  private showTooOld(server: string): void {
    const download = vscode.l10n.t('Get Platform-Tools');
    void vscode.window
      .showErrorMessage(
        vscode.l10n.t(
          'Wireless pairing needs adb from platform-tools {0} or newer; the adb server at {1} is older (it does not know pairing). Update "Android SDK Platform-Tools" in Android Studio\'s SDK Manager (or download them), then restart the server with adb kill-server.',
          PAIRING_MIN_PLATFORM_TOOLS,
          server,
        ),
        download,
      )
      .then((choice) => choice === download && vscode.env.openExternal(vscode.Uri.parse(PLATFORM_TOOLS_PAGE)));
  }

  /** The phones showing a pairing code, live while the list is open; or an address typed in. */
  private async choosePairingService(server: string): Promise<string | undefined> {
    type Item = vscode.QuickPickItem & { address?: string; typed?: true };
    const store = new DisposableStore();
    try {
      const pick = store.add(vscode.window.createQuickPick<Item>());
      pick.title = vscode.l10n.t('Pair a device with a pairing code');
      pick.placeholder = vscode.l10n.t('On the phone: Developer options › Wireless debugging › Pair device with pairing code');
      pick.ignoreFocusOut = true;
      const typed: Item = { label: `$(edit) ${vscode.l10n.t('Enter the address the phone shows…')}`, typed: true, alwaysShow: true };
      const render = () => {
        const phones = this.browser.services.filter((s) => s.server === server && s.type === TLS_PAIRING_SERVICE);
        pick.busy = phones.length === 0;
        pick.items = [
          ...phones.map((s) => ({ label: `$(device-mobile) ${s.instance}`, description: s.address, address: s.address })),
          typed,
        ];
      };
      store.add(this.browser.watch());
      store.add(this.browser.onDidChange(render));
      render();
      const chosen = await new Promise<Item | undefined>((resolve) => {
        store.add(pick.onDidAccept(() => resolve(pick.selectedItems[0])));
        store.add(pick.onDidHide(() => resolve(undefined)));
        pick.show();
      });
      if (!chosen?.typed) return chosen?.address;
    } finally {
      store.dispose();
    }
    return this.typePairingAddress();
  }

  private typePairingAddress(): Promise<string | undefined> {
    return typeAddress({
      title: vscode.l10n.t('Pair a device with a pairing code'),
      prompt: vscode.l10n.t('The IP address & port under "Pair device with pairing code" on the phone'),
      placeHolder: '192.168.1.20:37123',
    });
  }

  /** Once paired through a server without mDNS: where to connect the phone. */
  private typeConnectAddress(phone: string): Promise<string | undefined> {
    return typeAddress({
      title: vscode.l10n.t('Paired with {0}: connect it', phone),
      prompt: vscode.l10n.t('This adb server cannot find the phone by itself: the IP address & port under Wireless debugging on the phone (not the pairing port)'),
      placeHolder: '192.168.1.20:41235',
    });
  }
}

/** A `host:port` typed in, checked as it is typed; undefined when the box is dismissed. */
async function typeAddress(options: { title: string; prompt: string; placeHolder: string }): Promise<string | undefined> {
  const entered = await vscode.window.showInputBox({
    ...options,
    ignoreFocusOut: true,
    validateInput: (value) => ('problem' in parseWifiAddress(value) ? vscode.l10n.t('Use host:port, for example {0}', options.placeHolder) : undefined),
  });
  const parsed = entered === undefined ? undefined : parseWifiAddress(entered);
  return parsed && 'address' in parsed ? parsed.address : undefined;
}

function stepLabel(state: PairingState): string {
  switch (state.step) {
    case 'waiting-for-phone':
      return vscode.l10n.t('Scan the QR code with the phone');
    case 'pairing':
      return vscode.l10n.t('Pairing with the phone');
    case 'waiting-for-device':
      return vscode.l10n.t('Waiting for the device to connect');
    case 'done':
      return vscode.l10n.t('Paired and connected');
    case 'failed':
      return vscode.l10n.t('Failed');
    case 'cancelled':
      return vscode.l10n.t('Cancelled');
  }
}

function failureText(state: Extract<PairingState, { step: 'failed' }>): string {
  const { message } = state;
  const address = state.address ?? '';
  switch (state.failure) {
    case 'unsupported':
      return vscode.l10n.t('This adb server is too old to pair (platform-tools {0} or newer is needed).', PAIRING_MIN_PLATFORM_TOOLS);
    case 'phone-not-found':
      return vscode.l10n.t('No phone scanned the code in time.');
    case 'wrong-password':
      return vscode.l10n.t('The phone refused the pairing: wrong code, or its pairing screen was closed.');
    case 'phone-unreachable':
      return vscode.l10n.t('adb could not reach the phone\'s pairing service at {0}.', inert(address));
    case 'phone-not-answering':
      return vscode.l10n.t('The phone at {0} did not answer the pairing within {1} s.', inert(address), DEFAULT_PAIRING_TIMING.pairTimeoutMs / 1000);
    case 'invalid-address':
      return vscode.l10n.t('adb cannot pair with {0}: it needs the IP address and port the phone shows (host:port).', inert(address));
    case 'pairing-failed':
      return vscode.l10n.t('Pairing failed: {0}', inert(message));
    case 'device-not-connected':
      return vscode.l10n.t('Paired, but the device did not connect.');
    case 'server-failed':
      return vscode.l10n.t('The adb server did not answer: {0}', inert(message));
  }
}

/** What to check after a failure. */
function hints(failure: PairingFailure): string[] {
  switch (failure) {
    case 'phone-not-found':
      return [
        vscode.l10n.t('The phone and this computer are on the same network.'),
        vscode.l10n.t('The phone still shows "Pair device with QR code" (it stops looking when the screen closes).'),
        vscode.l10n.t('Nothing blocks mDNS (UDP port 5353): a firewall, a VPN, or a guest network that keeps devices apart.'),
      ];
    case 'wrong-password':
    case 'pairing-failed':
    case 'phone-not-answering':
      return [vscode.l10n.t('Keep the phone\'s pairing screen open until it says the device is paired, and try again.')];
    case 'phone-unreachable':
      return [
        vscode.l10n.t('The address and port are the ones the pairing screen shows now (they change each time it opens).'),
        vscode.l10n.t('The phone and this computer are on the same network.'),
      ];
    case 'invalid-address':
      return [];
    case 'device-not-connected':
      return [
        vscode.l10n.t('Wireless debugging is still on on the phone.'),
        vscode.l10n.t('Connect with the IP address & port shown under Wireless debugging (Connect a Device over Wi-Fi…).'),
      ];
    case 'server-failed':
      return [vscode.l10n.t('Run Troubleshoot to check the adb server.')];
    case 'unsupported':
      return [];
  }
}

/** The panel's view of the QR path at `state`. */
function qrView(state: PairingState, secrets: PairingSecrets): PairingView {
  const reached = state.step === 'failed' ? STEPS.indexOf(state.at) : state.step === 'done' ? STEPS.length : state.step === 'cancelled' ? -1 : STEPS.indexOf(state.step);
  const steps = STEPS.map((step, index) => ({
    label: stepLabel({ step }),
    state:
      state.step === 'done' || index < reached ? ('done' as const) : index === reached ? (state.step === 'failed' ? ('failed' as const) : ('active' as const)) : ('pending' as const),
  }));
  const finished = state.step === 'done' || state.step === 'failed' || state.step === 'cancelled';
  return {
    mode: 'qr',
    heading: vscode.l10n.t('Pair a device over Wi-Fi'),
    instructions: [
      vscode.l10n.t('On the phone (Android 11 or newer): Settings › Developer options › Wireless debugging › Pair device with QR code, then scan this code.'),
      vscode.l10n.t('The phone and this computer must be on the same network.'),
    ],
    qrPayload: showsQrCode(state) ? qrPairingPayload(secrets.name, secrets.password) : undefined,
    steps,
    outcome:
      state.step === 'done'
        ? { ok: true, message: vscode.l10n.t('Paired and connected: {0} ({1}). It is now the selected device.', deviceName(state.device), state.device.serial), hints: [] }
        : state.step === 'failed'
          ? { ok: false, message: failureText(state), hints: hints(state.failure) }
          : state.step === 'cancelled'
            ? { ok: false, message: vscode.l10n.t('Cancelled.'), hints: [] }
            : undefined,
    actions: finished ? (state.step === 'done' ? ['close'] : ['retry', 'pairWithCode', 'close']) : ['cancel', 'pairWithCode'],
  };
}
