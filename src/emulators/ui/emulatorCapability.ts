// The emulator capability's registration: its settings, its commands (start normally, cold, with
// data wiped; stop), its picker section (the AVDs not running, re-read while the picker is open)
// and the stop button on a running emulator's row.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { Capability, deviceArgument, textArgument } from '../../devices/ui/capability';
import { plain } from '../../devices/ui/deviceText';
import { EmulatorCatalog } from '../model/emulatorCatalog';
import { readEmulatorSettings } from '../model/emulatorSettings';
import { avdSummary, EmulatorActions, LaunchMode } from './emulators';

export const emulatorCapability: Capability = {
  id: 'emulators',
  register({ extension, model, log, settings, contributions, store, registerCommand }) {
    const emulatorSettings = settings.contribute('emulators', readEmulatorSettings);
    const catalog = store.add(new EmulatorCatalog(process.env));
    // Read once now, so that the picker opens with the AVDs already in place.
    void catalog.refresh();
    const actions = store.add(new EmulatorActions(catalog, model, log, path.join(extension.logUri.fsPath, 'emulators'), emulatorSettings));

    // An AVD name as the argument (other extensions, tests) skips the quick pick.
    const start = (mode: LaunchMode) => async (name?: unknown) => {
      const avd = await actions.chooseAvd(textArgument(name));
      if (!avd) return textArgument(name) !== undefined ? { ok: false, message: `no AVD named ${name}` } : undefined;
      return actions.launch(avd, mode);
    };
    registerCommand('startEmulator', start('normal'));
    registerCommand('coldBootEmulator', start('cold'));
    registerCommand('wipeEmulatorData', start('wipe'));
    // Stops the given emulator serial, or the selected device when it is an emulator.
    registerCommand('stopEmulator', async (serial?: unknown) => {
      const device = deviceArgument(model, serial);
      if (!device || device.connection !== 'emulator') return { ok: false, message: `no emulator ${textArgument(serial) ?? 'selected'}` };
      return actions.stop(device);
    });

    store.add(
      contributions.addPickerSection({
        title: vscode.l10n.t('Emulators'),
        onDidChange: catalog.onDidChange,
        // AVDs created or deleted since the last look show up while the picker is open.
        whileShown: () => {
          void catalog.refresh();
          return new vscode.Disposable(() => undefined);
        },
        rows: () => {
          const running = actions.runningAvds();
          return catalog.avds
            .filter((avd) => !running.has(avd.name))
            .map((avd) => ({
              id: `avd:${avd.name}`,
              label: `$(vm) ${plain(avd.displayName)}`,
              description: plain(avdSummary(avd)),
              detail: vscode.l10n.t('Not running: select to start it'),
              accept: () => void actions.launch(avd),
              buttons: [
                { icon: 'debug-restart', tooltip: vscode.l10n.t('Cold boot (no quick-boot snapshot)'), run: () => void actions.launch(avd, 'cold') },
                { icon: 'trash', tooltip: vscode.l10n.t('Wipe data and start'), run: () => void actions.launch(avd, 'wipe') },
              ],
            }));
        },
      }),
    );
    store.add(
      contributions.addDeviceButton({
        icon: 'debug-stop',
        tooltip: vscode.l10n.t('Stop the emulator'),
        appliesTo: (device) => device.connection === 'emulator',
        run: (device) => void actions.stop(device),
      }),
    );
  },
};
