// Where a device's files are in VS Code: `android-device://SERIAL@SERVER/path`, served by the files
// capability's provider. Other capabilities (the screen pulls its recordings) and other extensions
// reach a device's files by this address, never by the files capability's insides.

import * as vscode from 'vscode';
import { Device } from '../../core/types';

export const DEVICE_FILES_SCHEME = 'android-device';

/** The server has no `@`, so the last one divides the serial from it. */
export function deviceFilesUri(device: Pick<Device, 'serial' | 'server'>, path = '/'): vscode.Uri {
  return vscode.Uri.from({ scheme: DEVICE_FILES_SCHEME, authority: `${device.serial}@${device.server}`, path });
}
