// Where screenshots and recordings go, and what is said once one is saved: the folder of the
// screenshotFolder setting (empty: `screenshots/` in the first workspace folder, or the
// extension's global storage without one), a name that is free there, the file opened in VS Code
// (its image or video preview) and a notification that can reveal it or copy its path.

import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEVICE_FILES_SCHEME } from '../../devices/ui/deviceFilesUri';
import { captureFileName, numberedFileName } from '../model/screenshot';

/** Names tried in one folder before giving up (the same device, the same second). */
const MAX_NUMBERED = 100;

export function captureFolder(setting: string, globalStorage: vscode.Uri): vscode.Uri {
  const workspace = vscode.workspace.workspaceFolders?.find((folder) => folder.uri.scheme !== DEVICE_FILES_SCHEME); // a device's storage is no place to save
  if (!setting) return workspace ? vscode.Uri.joinPath(workspace.uri, 'screenshots') : globalStorage;
  const expanded = setting.replace(/^~(?=[/\\]|$)/, os.homedir());
  if (path.isAbsolute(expanded)) return vscode.Uri.file(expanded);
  return vscode.Uri.joinPath(workspace?.uri ?? globalStorage, ...expanded.split(/[/\\]+/).filter(Boolean));
}

/** Writes `bytes` under a name of the device and the time that no file has yet; its URI. */
export async function saveCapture(folder: vscode.Uri, deviceName: string, at: Date, extension: 'png' | 'mp4', bytes: Uint8Array): Promise<vscode.Uri> {
  await vscode.workspace.fs.createDirectory(folder);
  const name = captureFileName(deviceName, at, extension);
  for (let number = 1; number <= MAX_NUMBERED; number++) {
    const uri = vscode.Uri.joinPath(folder, number === 1 ? name : numberedFileName(name, number));
    if (await exists(uri)) continue;
    await vscode.workspace.fs.writeFile(uri, bytes);
    return uri;
  }
  throw new Error(`${folder.fsPath} already has ${MAX_NUMBERED} files named ${name}`);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return false;
    throw error;
  }
}

/** Opens the file in VS Code (the image or video preview) and says where it is, with Reveal and Copy Path. */
export async function showSaved(uri: vscode.Uri, message: string): Promise<void> {
  await vscode.commands.executeCommand('vscode.open', uri);
  const reveal = vscode.l10n.t('Reveal');
  const copy = vscode.l10n.t('Copy Path');
  // Not awaited: the notification stays until the user answers or closes it.
  void vscode.window.showInformationMessage(message, reveal, copy).then(async (choice) => {
    if (choice === reveal) {
      // Inside the workspace the Explorer shows it; elsewhere the system's file manager.
      await vscode.commands.executeCommand(vscode.workspace.getWorkspaceFolder(uri) ? 'revealInExplorer' : 'revealFileInOS', uri);
    } else if (choice === copy) {
      await vscode.env.clipboard.writeText(uri.scheme === 'file' ? uri.fsPath : uri.toString());
    }
  });
}
