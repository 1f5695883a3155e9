// Simulated devices by hand, for demos and manual testing of the extension:
//
//   node out/lab/cli.js --devices 5 [--adb-port 5037] [--unauthorized 1] [--offline 1] [--flapping 1] [--wireless 1]
//
// Without --adb-port it starts a private adb server and prints the export that points adb at it.
// --wireless puts the named fake of pairingAdbServer.ts in front of it (adb 29 cannot pair or browse
// mDNS), with phones on the "network" to connect and one showing a pairing code; the export then
// points at the fake, which passes everything else to the real server.
// Ctrl-C disconnects the devices and stops everything it started; so does its parent going away
// when it was started with an IPC channel (tools/simulatedLab.ts).

import { parseArgs } from 'node:util';
import { AdbHostClient } from './adbHostClient';
import { PrivateAdbServer } from './adbServerProcess';
import { PairingAdbServer } from './pairingAdbServer';
import { TLS_CONNECT_SERVICE, TLS_PAIRING_SERVICE } from '../src/pairing/model/wirelessPairing';
import { SimDeviceInfo, SimulatedLab } from './sim/labClient';

const FLAP_PERIOD_MS = 6_000;
const FLAP_DOWN_MS = 2_000;
const DEMO_PAIRING_CODE = '123456';
/** Where the demo phone "listens" for pairing: nothing does, the fake answers for it. */
const DEMO_PAIRING_ADDRESS = '127.0.0.1:37099';

const USAGE = `usage: node out/lab/cli.js --devices N [--adb-port PORT] [--unauthorized N] [--offline N] [--flapping N]
  --devices N       ready devices of different makes and Android versions (default 3)
  --adb-port PORT   attach to the adb server on PORT instead of starting a private one
  --unauthorized N  devices waiting for the "Allow USB debugging" tap
  --offline N       devices that accept adb's connection and never answer
  --flapping N      devices unplugged for ${FLAP_DOWN_MS / 1000} s every ${FLAP_PERIOD_MS / 1000} s
  --wireless N      phones with wireless debugging on, not connected, and one showing pairing code ${DEMO_PAIRING_CODE}
                    (through a fake adb server in front of the real one, which answers mDNS and pairing)`;

interface CliOptions {
  devices: number;
  adbPort?: number;
  unauthorized: number;
  offline: number;
  flapping: number;
  wireless: number;
}

function parseCliOptions(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string', default: '3' },
      'adb-port': { type: 'string' },
      unauthorized: { type: 'string', default: '0' },
      offline: { type: 'string', default: '0' },
      flapping: { type: 'string', default: '0' },
      wireless: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (name: string, text: string | undefined, max: number): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > max) throw new Error(`--${name} must be a whole number from 0 to ${max}`);
    return value;
  };
  return {
    devices: count('devices', values.devices, 500),
    adbPort: values['adb-port'] === undefined ? undefined : count('adb-port', values['adb-port'], 65535),
    unauthorized: count('unauthorized', values.unauthorized, 100),
    offline: count('offline', values.offline, 100),
    flapping: count('flapping', values.flapping, 100),
    wireless: count('wireless', values.wireless, 100),
  };
}

function describeDevice(device: SimDeviceInfo, note: string): string {
  const p = device.properties;
  const make = `${p['ro.product.manufacturer']} ${p['ro.product.model']}`;
  return `${device.serial.padEnd(16)} ${note.padEnd(13)} ${make}, Android ${p['ro.build.version.release']} (API ${p['ro.build.version.sdk']}), ${p['ro.product.cpu.abi']}`;
}

/** Unplugs the device for a while, replugs it and reattaches it, over and over until stopped. */
class Flapper {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly lab: SimulatedLab,
    private readonly adb: AdbHostClient,
    private readonly device: SimDeviceInfo,
  ) {}

  start(): void {
    this.schedule(FLAP_PERIOD_MS - FLAP_DOWN_MS, () => this.unplug());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number, step: () => Promise<void>): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      step().catch((error: Error) => {
        if (!this.stopped) console.error(`${this.device.serial}: ${error.message}`);
      });
    }, ms);
  }

  private async unplug(): Promise<void> {
    await this.lab.unplug(this.device.port);
    console.log(`${this.device.serial.padEnd(16)} unplugged`);
    this.schedule(FLAP_DOWN_MS, () => this.replug());
  }

  private async replug(): Promise<void> {
    await this.lab.replug(this.device.port);
    if (this.stopped) return;
    // A plain connect would get "already connected" while adb still holds the device offline.
    await this.adb.reconnect(this.device.port);
    console.log(`${this.device.serial.padEnd(16)} replugged`);
    this.schedule(FLAP_PERIOD_MS - FLAP_DOWN_MS, () => this.unplug());
  }
}

/** Everything one CLI run started, so a signal or a failure can take it all down. */
class Session {
  private readonly flappers: Flapper[] = [];
  private readonly attached: string[] = [];
  private readonly pendingConnects: Promise<unknown>[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly lab: SimulatedLab,
    private readonly adb: AdbHostClient,
    private readonly privateServer: PrivateAdbServer | undefined,
    private readonly pairing: PairingAdbServer | undefined,
  ) {}

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  async attach(device: SimDeviceInfo, note: string): Promise<void> {
    this.attached.push(device.serial);
    const reply = await this.adb.hostRequest(`host:connect:${device.serial}`);
    const problem = reply.startsWith('connected to') ? '' : ` (adb: ${reply})`;
    console.log(`${describeDevice(device, note)}${problem}`);
  }

  /** adb answers only after its ~10 s handshake timeout; the device is listed offline meanwhile. */
  attachSilent(device: SimDeviceInfo): void {
    this.attached.push(device.serial);
    this.pendingConnects.push(this.adb.hostRequest(`host:connect:${device.serial}`).catch(() => undefined));
    console.log(describeDevice(device, 'offline'));
  }

  async attachFlapping(device: SimDeviceInfo): Promise<void> {
    await this.attach(device, 'flapping');
    const flapper = new Flapper(this.lab, this.adb, device);
    this.flappers.push(flapper);
    flapper.start();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const flapper of this.flappers) flapper.stop();
      // Disconnecting an offline device also ends adb's wait on its pending connect.
      await Promise.all(this.attached.map((serial) => this.adb.disconnect(serial).catch(() => undefined)));
      await Promise.allSettled(this.pendingConnects);
      await this.pairing?.close();
      await this.lab.close();
      await this.privateServer?.stop();
    })();
    return this.stopping;
  }
}

/** Phones on the fake's "network": `count` to connect, and one that pairs with DEMO_PAIRING_CODE. */
async function advertiseWirelessPhones(lab: SimulatedLab, pairing: PairingAdbServer, count: number): Promise<void> {
  for (const phone of await lab.addDevices(count)) {
    pairing.advertise({ instance: `adb-${phone.properties['ro.serialno'] ?? phone.port}-demo`, type: TLS_CONNECT_SERVICE, address: phone.serial });
    console.log(describeDevice(phone, 'on network'));
  }
  const pairable = await lab.addDevice();
  pairing.advertise({ instance: `adb-${pairable.properties['ro.serialno'] ?? pairable.port}-pair`, type: TLS_PAIRING_SERVICE, address: DEMO_PAIRING_ADDRESS });
  pairing.expectPairing({ address: DEMO_PAIRING_ADDRESS, password: DEMO_PAIRING_CODE, device: pairable.serial });
  console.log(describeDevice(pairable, `pair: ${DEMO_PAIRING_CODE}`));
}

async function main(): Promise<void> {
  const options = parseCliOptions(process.argv.slice(2));
  let adb: AdbHostClient;
  let privateServer: PrivateAdbServer | undefined;
  if (options.adbPort === undefined) adb = privateServer = await PrivateAdbServer.start();
  else adb = new AdbHostClient(options.adbPort);
  const lab = await SimulatedLab.start().catch(async (error: Error) => {
    await privateServer?.stop();
    throw error;
  });
  const pairing = options.wireless > 0 ? await PairingAdbServer.start(adb.port) : undefined;
  const session = new Session(lab, adb, privateServer, pairing);
  const stopAndExit = (code: number) => void session.stop().finally(() => process.exit(code));
  process.once('SIGINT', () => stopAndExit(0));
  process.once('SIGTERM', () => stopAndExit(0));
  // Forked with an IPC channel: the parent going away (exit, crash, SIGKILL) closes it.
  if (process.send) process.once('disconnect', () => stopAndExit(0));

  if (privateServer) {
    const port = pairing?.port ?? adb.port;
    console.log(`private adb server on port ${adb.port}${pairing ? `, behind a fake adb server for pairing on port ${port}` : ''}; point adb and the extension at it with:`);
    console.log(`  export ANDROID_ADB_SERVER_PORT=${port}`);
  } else {
    console.log(`attaching to the adb server on port ${adb.port}`);
  }
  try {
    for (const device of await lab.addDevices(options.devices)) await session.attach(device, 'device');
    for (const device of await lab.addDevices(options.unauthorized, { state: 'unauthorized' })) {
      await session.attach(device, 'unauthorized');
    }
    for (const device of await lab.addDevices(options.offline, { state: 'offline' })) session.attachSilent(device);
    for (const device of await lab.addDevices(options.flapping)) await session.attachFlapping(device);
    if (pairing) await advertiseWirelessPhones(lab, pairing, options.wireless);
  } catch (error) {
    if (session.isStopping) return;
    console.error((error as Error).message);
    stopAndExit(1);
    return;
  }
  console.log('Ctrl-C to disconnect the devices and stop.');
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
