// A typed event in the shape of vscode.Event, so the model can be used by the UI as-is
// and tested in plain mocha without VS Code.

import { Disposable } from './lifecycle';

export type Event<T> = (listener: (value: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners = new Set<(value: T) => void>();
  private disposed = false;

  readonly event: Event<T> = (listener) => {
    if (this.disposed) {
      return { dispose: () => undefined };
    }
    // Wrap so that subscribing the same function twice gives two independent subscriptions.
    const entry = (value: T) => listener(value);
    this.listeners.add(entry);
    return { dispose: () => this.listeners.delete(entry) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        // One broken listener must not starve the others or the emitter's owner.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}
