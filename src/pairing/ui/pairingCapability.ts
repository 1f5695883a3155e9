// The wireless pairing capability's registration: its commands (pair with a QR code, with a
// pairing code), its Help rows, the picker's "On the network" section (phones offering wireless
// debugging that no server has connected; browsed only while the picker is open) and the
// Troubleshoot report's "Wireless pairing" section.

import * as vscode from 'vscode';
import { Capability, textArgument } from '../../devices/ui/capability';
import { markdownCell } from '../../devices/model/troubleshootReport';
import { plain } from '../../devices/ui/deviceText';
import { NetworkBrowser } from '../model/networkBrowser';
import { checkPairingSupport, pairingLine, pairingWatcher } from '../model/pairingFlow';
import { WirelessPairing } from './pairing';

export const pairingCapability: Capability = {
  id: 'pairing',
  register({ extension, model, log, contributions, store, registerCommand }) {
    const watcher = pairingWatcher(model);
    const network = store.add(new NetworkBrowser((command) => watcher.runAdbCommand(command), () => model.configuredServers));
    const pairing = store.add(new WirelessPairing(model, network, extension.extensionUri, log));

    // Arguments (server; address, code, server) skip the prompts for other extensions and tests.
    registerCommand('pairWithQrCode', (server?: unknown) => pairing.pairWithQrCode(textArgument(server)));
    registerCommand('pairWithCode', (address?: unknown, code?: unknown, server?: unknown) => pairing.pairWithCode(textArgument(address), textArgument(code), textArgument(server)));

    store.add(
      contributions.addPickerSection({
        title: vscode.l10n.t('On the network'),
        onDidChange: network.onDidChange,
        // Phones on the network are looked for only while the picker shows them.
        whileShown: () => network.watch(),
        rows: (devices) =>
          network.unconnected(devices).map((service) => ({
            id: `mdns:${service.server}/${service.instance}`,
            label: `$(broadcast) ${plain(service.instance)}`,
            description: plain(service.address),
            detail: vscode.l10n.t('Wireless debugging is on: select to connect'),
            accept: () => void vscode.commands.executeCommand('androidDeviceWatcher.connectWifi', service.address, service.server),
          })),
      }),
    );
    store.add(contributions.addHelpRow({ icon: 'link', label: vscode.l10n.t('Pair a device over Wi-Fi with a QR code…'), command: 'androidDeviceWatcher.pairWithQrCode' }));
    store.add(contributions.addHelpRow({ icon: 'key', label: vscode.l10n.t('Pair a device over Wi-Fi with a pairing code…'), command: 'androidDeviceWatcher.pairWithCode' }));
    store.add(
      contributions.addTroubleshootSection({
        title: 'Wireless pairing',
        // A server that does not answer says nothing true about pairing: only the connected ones.
        lines: (servers) =>
          Promise.all(
            servers
              .filter((server) => server.status === 'connected')
              .map(async (server) => `- ${markdownCell(server.address)}: ${pairingLine(await checkPairingSupport(watcher, server.address))}`),
          ),
      }),
    );
  },
};
