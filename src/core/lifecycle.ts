// Disposables in one style, after VS Code's own lifecycle.ts: each part owns a store, adds what it
// makes the moment it makes it, and disposal goes on past a throw (one broken part must not leave
// the others running).

export interface Disposable {
  dispose(): void;
}

/** Runs `dispose` at most once. */
export function toDisposable(dispose: () => void): Disposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      dispose();
    },
  };
}

/** Disposes each item, in the order given, all of them even if some throw; then rethrows. */
export function disposeAll(items: Iterable<Disposable>): void {
  const errors: unknown[] = [];
  for (const item of items) {
    try {
      item.dispose();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} errors while disposing`);
}

/** Collects disposables the moment they are made; disposes them in reverse order, once. */
export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  private disposed = false;

  /** After the store was disposed, the item is disposed at once (a late addition must not leak). */
  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      item.dispose();
    } else {
      this.items.push(item);
    }
    return item;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const items = this.items.reverse();
    this.items = [];
    disposeAll(items);
  }
}

/** A base for parts that own disposables: `register` what you make, `dispose` ends them all. */
export abstract class DisposableBase implements Disposable {
  protected readonly store = new DisposableStore();

  protected register<T extends Disposable>(item: T): T {
    return this.store.add(item);
  }

  dispose(): void {
    this.store.dispose();
  }
}

/** Holds at most one disposable; setting a new one (or clearing) disposes the old one. */
export class MutableDisposable<T extends Disposable> implements Disposable {
  private current?: T;
  private disposed = false;

  get value(): T | undefined {
    return this.current;
  }

  set value(next: T | undefined) {
    if (this.disposed) {
      next?.dispose();
      return;
    }
    if (next === this.current) return;
    const old = this.current;
    this.current = next;
    old?.dispose();
  }

  clear(): void {
    this.value = undefined;
  }

  dispose(): void {
    this.clear();
    this.disposed = true;
  }
}
