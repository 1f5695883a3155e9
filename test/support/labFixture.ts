// The lab fixture: a real adb server and a simulated device lab (a child process) for the suite
// that calls useLab(). Started in one `before`, stopped in one `after`, even when the `before`
// failed midway (adb missing, a port taken): whatever did start is registered the moment it is up.

import { AdbHostClient } from '../../lab/adbHostClient';
import { PrivateAdbServer } from '../../lab/adbServerProcess';
import { SimDeviceInfo, SimDeviceOptions, SimulatedLab } from '../../lab/sim/labClient';
import { StartedHere } from './started';

export interface LabFixture<Server extends AdbHostClient> {
  /** The adb server; available from the suite's `before` on. */
  readonly adb: Server;
  readonly lab: SimulatedLab;
  /**
   * Adds a simulated device and attaches it to the adb server. On a server the fixture did not
   * start, it is detached again in `after` (a server of our own forgets it when it stops).
   */
  attach(options?: SimDeviceOptions): Promise<{ sim: SimDeviceInfo; serial: string }>;
  /** For a device attached some other way: detached in `after` like attach()'s. */
  detachAfter(serial: string): void;
}

export interface LabOptions {
  /** Attach to this server (e.g. the one the extension under test watches) instead of starting one. */
  server?: () => AdbHostClient;
}

export function useLab(): LabFixture<PrivateAdbServer>;
export function useLab(options: { server: () => AdbHostClient }): LabFixture<AdbHostClient>;
export function useLab(options: LabOptions = {}): LabFixture<AdbHostClient> {
  const here = new StartedHere();
  const attached: string[] = [];
  let adb: AdbHostClient | undefined;
  let lab: SimulatedLab | undefined;

  before('start the simulated device lab', async () => {
    const server = options.server
      ? Promise.resolve(options.server())
      : here.start('a private adb server', PrivateAdbServer.start(), (own) => own.stop());
    const devices = here.start('the simulated device lab', SimulatedLab.start(), (started) => started.close());
    [adb, lab] = await here.startAll(server, devices);
  });

  after('stop the simulated device lab', async () => {
    if (options.server && adb) {
      for (const serial of attached.splice(0)) await adb.disconnect(serial).catch(() => undefined);
    }
    await here.stopAll();
  });

  const ready = <T>(thing: T | undefined, what: string): T => {
    if (thing === undefined) throw new Error(`${what} is not running: use it from the suite's before hook on`);
    return thing;
  };

  return {
    get adb() {
      return ready(adb, 'the adb server');
    },
    get lab() {
      return ready(lab, 'the simulated device lab');
    },
    async attach(deviceOptions = {}) {
      const sim = await ready(lab, 'the simulated device lab').addDevice(deviceOptions);
      const serial = await ready(adb, 'the adb server').connect(sim.port);
      attached.push(serial);
      return { sim, serial };
    },
    detachAfter(serial) {
      attached.push(serial);
    },
  };
}
