// What the adb servers see on the network through mDNS (`host:mdns:services`): phones offering
// wireless debugging (`_adb-tls-connect._tcp`) and phones showing a pairing code
// (`_adb-tls-pairing._tcp`). Read only while something shows it (the picker, the pairing-code
// list): browsing is a request per server every couple of seconds, not worth running unseen.
// A server too old to browse (platform-tools before 30) is asked once per showing, then left alone.

import { Emitter } from '../../core/events';
import { Disposable, DisposableBase, toDisposable } from '../../core/lifecycle';
import { CommandResult, Device } from '../../core/types';
import { PairingCommand } from './pairingCommands';
import { isConnectServiceOf, MdnsService, parseMdnsServices, TLS_CONNECT_SERVICE } from './wirelessPairing';

export interface NetworkService extends MdnsService {
  /** The adb server that sees it. */
  server: string;
}

export const BROWSE_EVERY_MS = 2000;

export class NetworkBrowser extends DisposableBase {
  private listed: readonly NetworkService[] = [];
  private readonly unsupported = new Set<string>();
  private viewers = 0;
  private timer?: NodeJS.Timeout;
  private browsing = false;
  private readonly changed = this.register(new Emitter<void>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly run: (command: PairingCommand) => Promise<CommandResult>,
    private readonly servers: () => readonly string[],
    private readonly everyMs = BROWSE_EVERY_MS,
  ) {
    super();
    this.register(toDisposable(() => clearTimeout(this.timer)));
  }

  get services(): readonly NetworkService[] {
    return this.listed;
  }

  /** Browses until every watch is disposed; several viewers share one loop. */
  watch(): Disposable {
    if (this.viewers++ === 0) {
      this.unsupported.clear();
      this.browse();
    }
    return toDisposable(() => {
      if (--this.viewers > 0) return;
      clearTimeout(this.timer);
      this.timer = undefined;
    });
  }

  /** Phones offering wireless debugging that `devices` does not hold (by address or by mDNS name): not connected yet. */
  unconnected(devices: readonly Device[]): NetworkService[] {
    return this.listed.filter((s) => s.type === TLS_CONNECT_SERVICE && !devices.some((d) => d.server === s.server && isConnectServiceOf(s, d.serial)));
  }

  /** One round over the servers, then the next after everyMs while watched; never two at once. */
  private browse(): void {
    if (this.browsing) return;
    this.browsing = true;
    // `.finally` runs after this returns even when a round awaits nothing (every server too old).
    void this.browseOnce().finally(() => {
      this.browsing = false;
      if (this.viewers > 0 && !this.isDisposed) {
        this.timer = setTimeout(() => this.browse(), this.everyMs);
        this.timer.unref();
      }
    });
  }

  private async browseOnce(): Promise<void> {
    const found: NetworkService[] = [];
    for (const server of this.servers().filter((s) => !this.unsupported.has(s))) {
      const result = await this.run({ kind: 'mdns-services', server }).catch((error: Error) => ({ ok: false, message: error.message }) as CommandResult);
      if (result.unsupported) this.unsupported.add(server);
      if (result.ok) found.push(...parseMdnsServices(result.message).services.map((service) => ({ ...service, server })));
    }
    if (!this.isDisposed && JSON.stringify(found) !== JSON.stringify(this.listed)) {
      this.listed = found;
      this.changed.fire();
    }
  }

  private get isDisposed(): boolean {
    return this.store.isDisposed;
  }
}
