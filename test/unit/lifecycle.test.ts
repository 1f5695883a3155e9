import * as assert from 'node:assert/strict';
import { DisposableBase, DisposableStore, MutableDisposable, toDisposable } from '../../src/core/lifecycle';

describe('lifecycle: disposables', () => {
  it('a store disposes in reverse order, once, and disposes late additions at once', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add(toDisposable(() => order.push('first')));
    store.add(toDisposable(() => order.push('second')));
    store.dispose();
    store.dispose();
    store.add(toDisposable(() => order.push('late')));
    assert.deepEqual(order, ['second', 'first', 'late']);
  });

  it('a store goes on past a dispose that throws, then reports it', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add(toDisposable(() => order.push('first')));
    store.add(toDisposable(() => {
      throw new Error('broken part');
    }));
    store.add(toDisposable(() => order.push('third')));
    assert.throws(() => store.dispose(), /broken part/);
    assert.deepEqual(order, ['third', 'first']);
  });

  it('a mutable disposable disposes the value it replaces, and a value set after dispose', () => {
    const disposed: string[] = [];
    const holder = new MutableDisposable();
    holder.value = toDisposable(() => disposed.push('a'));
    holder.value = toDisposable(() => disposed.push('b'));
    assert.deepEqual(disposed, ['a']);
    holder.dispose();
    holder.value = toDisposable(() => disposed.push('c'));
    assert.deepEqual(disposed, ['a', 'b', 'c']);
    assert.equal(holder.value, undefined);
  });

  it('a part built on DisposableBase ends everything it registered', () => {
    const disposed: string[] = [];
    class Part extends DisposableBase {
      constructor() {
        super();
        this.register(toDisposable(() => disposed.push('listener')));
      }
    }
    new Part().dispose();
    assert.deepEqual(disposed, ['listener']);
  });
});
