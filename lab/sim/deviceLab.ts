// Many simulated devices in one process, addressed by their TCP port.

import { SimDeviceState, SimulatedDevice } from './transport';

export type { SimDeviceState } from './transport';

export interface SimDeviceOptions {
  state?: SimDeviceState;
  /** 0 or absent: a free port. */
  port?: number;
  /** getprop values, merged over the varied defaults. */
  properties?: Record<string, string>;
  /** Banner fields; default from ro.product.name / ro.product.model / ro.product.device. */
  product?: string;
  model?: string;
  device?: string;
  /** In this process only (not through the lab client): what a shell `reboot -p` does. */
  onPowerOff?: () => void;
}

export interface SimDeviceInfo {
  port: number;
  /** The serial adb gives the device once connected: `127.0.0.1:PORT`. */
  serial: string;
  properties: Record<string, string>;
}

interface Make {
  manufacturer: string;
  model: string;
  name: string;
  device: string;
  release: string;
  sdk: string;
  abi: string;
}

/** Different makes and Android versions, so lists and details differ from device to device. */
const MAKES: readonly Make[] = [
  { manufacturer: 'Google', model: 'Pixel 8', name: 'shiba', device: 'shiba', release: '14', sdk: '34', abi: 'arm64-v8a' },
  { manufacturer: 'samsung', model: 'SM-S918B', name: 'dm3qxxx', device: 'dm3q', release: '13', sdk: '33', abi: 'arm64-v8a' },
  { manufacturer: 'OnePlus', model: 'CPH2449', name: 'CPH2449EEA', device: 'OP594DL1', release: '14', sdk: '34', abi: 'arm64-v8a' },
  { manufacturer: 'Xiaomi', model: 'Redmi Note 9 Pro', name: 'joyeuse_global', device: 'joyeuse', release: '12', sdk: '31', abi: 'arm64-v8a' },
  { manufacturer: 'motorola', model: 'moto g(7) power', name: 'ocean_retail', device: 'ocean', release: '10', sdk: '29', abi: 'armeabi-v7a' },
  { manufacturer: 'Google', model: 'sdk_gphone64_x86_64', name: 'sdk_gphone64_x86_64', device: 'emu64xa', release: '15', sdk: '35', abi: 'x86_64' },
  { manufacturer: 'Sony', model: 'XQ-BC52', name: 'XQ-BC52_EEA', device: 'XQ-BC52', release: '11', sdk: '30', abi: 'arm64-v8a' },
  { manufacturer: 'HMD Global', model: 'Nokia 5.3', name: 'CAP_sprout', device: 'CAP_sprout', release: '9', sdk: '28', abi: 'arm64-v8a' },
];

function defaultProperties(index: number): Record<string, string> {
  const make = MAKES[index % MAKES.length];
  return {
    'ro.product.manufacturer': make.manufacturer,
    'ro.product.model': make.model,
    'ro.product.name': make.name,
    'ro.product.device': make.device,
    'ro.build.version.release': make.release,
    'ro.build.version.sdk': make.sdk,
    'ro.product.cpu.abi': make.abi,
    'ro.serialno': `SIM${String(index + 1).padStart(6, '0')}`,
  };
}

export class DeviceLab {
  private readonly devices = new Map<number, SimulatedDevice>();
  private devicesCreated = 0;

  async addDevice(options: SimDeviceOptions = {}): Promise<SimDeviceInfo> {
    const properties = { ...defaultProperties(this.devicesCreated++), ...options.properties };
    const device = new SimulatedDevice({
      state: options.state ?? 'device',
      properties,
      product: options.product ?? properties['ro.product.name'],
      model: options.model ?? properties['ro.product.model'],
      device: options.device ?? properties['ro.product.device'],
      onPowerOff: options.onPowerOff,
    });
    const port = await device.listen(options.port ?? 0);
    this.devices.set(port, device);
    return { port, serial: `127.0.0.1:${port}`, properties };
  }

  authorize(port: number): void {
    this.device(port).authorize();
  }

  setState(port: number, state: SimDeviceState): void {
    this.device(port).setState(state);
  }

  unplug(port: number): Promise<void> {
    return this.device(port).unplug();
  }

  async replug(port: number): Promise<void> {
    await this.device(port).listen();
  }

  async remove(port: number): Promise<void> {
    const device = this.device(port);
    this.devices.delete(port);
    await device.unplug();
  }

  getpropCount(port: number): number {
    return this.device(port).getpropCount;
  }

  bytesWritten(port: number): number {
    return this.device(port).bytesWritten;
  }

  openStreams(port: number): number {
    return this.device(port).openStreams;
  }

  /** A capability's test control on one device (lab/sim/capabilities.ts lists them). */
  async control(port: number, capability: string, action: string, payload?: unknown): Promise<unknown> {
    return this.device(port).control(capability, action, payload);
  }

  async close(): Promise<void> {
    const devices = [...this.devices.values()];
    this.devices.clear();
    await Promise.all(devices.map((device) => device.unplug()));
  }

  private device(port: number): SimulatedDevice {
    const device = this.devices.get(port);
    if (!device) throw new Error(`no simulated device on port ${port}`);
    return device;
  }
}
