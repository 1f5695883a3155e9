// The one name of a device, wherever it is shown: the status bar, the picker, the tooltip, every
// notice, a terminal's title, the pairing panel, the troubleshoot report and the public API.
//
// A device is named by what it says of itself, as Android Studio names it: manufacturer and model
// read with getprop ("Google Pixel 8", "samsung SM-S918B"), an emulator by its AVD. adb's device
// list has a model too, but mangled (every character that is not a letter or a digit becomes `_`:
// `SM_S918B`, `Redmi_Note_9_Pro`) and without the manufacturer; a ready device is not called by it
// on its way to its real name, which the worker reads a moment after the device is listed: until
// then it goes by its serial, as adb calls it. A device whose properties are not read (one not
// ready: recovery, bootloader, ...) or name no model is named by the list's model.

import { Device } from '../../core/types';

export function deviceName(device: Pick<Device, 'serial' | 'state' | 'model' | 'details'>): string {
  const details = device.details;
  // An emulator by its AVD, not by the system image's model (sdk_gphone64_x86_64).
  if (details?.avdName) return details.avdName;
  if (details?.model) {
    const { manufacturer, model } = details;
    // The manufacturer once, when the model does not already begin with it.
    return manufacturer && !model.toLowerCase().startsWith(manufacturer.toLowerCase()) ? `${manufacturer} ${model}` : model;
  }
  // Ready and not read yet: its name comes in a moment.
  if (device.state === 'device' && !details) return device.serial;
  // adb turns the model's spaces (and everything else) into underscores.
  return device.model ? device.model.replace(/_/g, ' ') : device.serial;
}
