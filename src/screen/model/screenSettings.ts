// The screen capability's one setting: the folder screenshots and recordings are saved in. It
// names a folder, never something to run, so it may be set per workspace.

import { SETTINGS_SECTION, SettingReader } from '../../devices/model/settings';

export interface ScreenSettings {
  /** Empty: `screenshots/` in the first workspace folder, or the extension's storage without one. */
  screenshotFolder: string;
}

export function readScreenSettings(read: SettingReader, warnings: string[]): ScreenSettings {
  const value = read('screenshotFolder');
  if (value === undefined || value === null) return { screenshotFolder: '' };
  if (typeof value !== 'string') {
    warnings.push(`${SETTINGS_SECTION}.screenshotFolder: ${JSON.stringify(value)} is not a folder; saving screenshots in the default folder`);
    return { screenshotFolder: '' };
  }
  return { screenshotFolder: value.trim() };
}
