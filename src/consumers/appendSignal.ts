import type { EventStore } from '../core/index.ts';

/**
 * The same store, calling `onAppend` after each successful append: the local poller wakes at once
 * instead of waiting out its idle interval. Every other member (readAll included) passes through.
 */
export const signalAppends = <S extends EventStore>(store: S, onAppend: () => void): S =>
  new Proxy(store, {
    get(target, property) {
      if (property === 'append')
        return async (...args: Parameters<EventStore['append']>) => {
          const result = await target.append(...args);
          onAppend();
          return result;
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
