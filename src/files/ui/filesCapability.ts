// The files capability's registration: the `android-device` file system, "Open Device Storage"
// (a command, and a button on each ready device's row in the picker) which adds the device's
// storage as a workspace folder, or opens it in this window when no folder is open.

import * as vscode from 'vscode';
import { Device } from '../../core/types';
import { Capability, deviceArgument, textArgument } from '../../devices/ui/capability';
import { deviceName, inert } from '../../devices/ui/deviceText';
import { DeviceFiles } from '../model/deviceFiles';
import { DEVICE_FILES_SCHEME, deviceFilesUri } from '../../devices/ui/deviceFilesUri';
import { DeviceFileSystem } from './deviceFileSystem';

/** Where a device's shared storage is (the `/sdcard` link every Android has). */
export const STORAGE_PATH = '/sdcard';

export const filesCapability: Capability = {
  id: 'files',
  register({ model, store, contributions, registerCommand }) {
    const files = store.add(new DeviceFiles(model));
    const provider = store.add(new DeviceFileSystem(files, model));
    store.add(vscode.workspace.registerFileSystemProvider(DEVICE_FILES_SCHEME, provider, { isCaseSensitive: true }));
    // Stopping or pausing the watcher ends the sessions' streams; their next use opens new ones.

    const open = async (device: Device, path = STORAGE_PATH) => {
      const uri = deviceFilesUri(device, path);
      const name = vscode.l10n.t('{0} ({1})', deviceName(device), path);
      const folders = vscode.workspace.workspaceFolders ?? [];
      const already = folders.find((folder) => folder.uri.toString() === uri.toString());
      if (already) {
        await vscode.commands.executeCommand('workbench.view.explorer');
        return { ok: true, message: uri.toString() };
      }
      if (folders.length === 0) {
        // No folder open: the window opens the device's storage (VS Code reloads it for that).
        await vscode.commands.executeCommand('vscode.openFolder', uri);
        return { ok: true, message: uri.toString() };
      }
      if (!vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name })) {
        void vscode.window.showErrorMessage(vscode.l10n.t('Could not add the storage of {0} to the workspace.', inert(deviceName(device))));
        return { ok: false, message: 'not added' };
      }
      await vscode.commands.executeCommand('workbench.view.explorer');
      return { ok: true, message: uri.toString() };
    };

    // A serial (and a path) as arguments, for other extensions and tests; else the selected device.
    registerCommand('openDeviceStorage', async (serial?: unknown, path?: unknown) => {
      const device = deviceArgument(model, serial) ?? (textArgument(serial) === undefined ? await vscode.commands.executeCommand<Device | undefined>('androidDeviceWatcher.pickDevice') : undefined);
      if (!device) return textArgument(serial) !== undefined ? { ok: false, message: `no device ${serial}` } : undefined;
      if (device.state !== 'device') {
        void vscode.window.showErrorMessage(vscode.l10n.t('{0} is not ready ({1}): its files cannot be read now.', inert(deviceName(device)), device.state));
        return { ok: false, message: `${device.serial} is ${device.state}` };
      }
      return open(device, textArgument(path) ?? STORAGE_PATH);
    });
    store.add(
      contributions.addDeviceButton({
        icon: 'folder-opened',
        tooltip: vscode.l10n.t('Open device storage'),
        appliesTo: (device) => device.state === 'device',
        run: (device) => void open(device),
      }),
    );
  },
};
