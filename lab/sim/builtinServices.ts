// The simulated device's own commands: `getprop` (what the watcher reads), `sleep N` (a command
// that keeps a request waiting), `cat` (stdin back, as the real one: input reaches a service),
// and `sim-stream` (a known byte pattern as fast as adb carries it,
// for the stream tests and benchmarks).

import { PushStream, SimCapability, SimStream, bufferStream } from './simService';

/** Largest payload the simulated device writes in one WRTE. */
export const DEVICE_MAX_PAYLOAD = 256 * 1024;

/**
 * `sim-stream BYTES` / `sim-stream forever`: byte k of the output is k % SIM_STREAM_MODULUS (a
 * prime, so a chunk lost, doubled or reordered shows in the content, not only in the count).
 */
export const SIM_STREAM_COMMAND = 'sim-stream';
export const SIM_STREAM_MODULUS = 251;

/** Formats properties the way `getprop` without arguments prints them. */
export function formatGetpropListing(properties: Record<string, string>): string {
  return Object.keys(properties)
    .sort()
    .map((name) => `[${name}]: [${properties[name]}]\n`)
    .join('');
}

/** `sim-stream`'s pattern, long enough to slice any payload from any phase without copying. */
const SIM_STREAM_PATTERN = Buffer.from(Array.from({ length: SIM_STREAM_MODULUS + DEVICE_MAX_PAYLOAD }, (_, k) => k % SIM_STREAM_MODULUS));

/** `total` bytes of the pattern (Infinity: until the stream is closed). */
function patternStream(total: number): SimStream {
  let offset = 0;
  return {
    next(maxBytes) {
      if (offset >= total) return undefined;
      const phase = offset % SIM_STREAM_MODULUS;
      const chunk = SIM_STREAM_PATTERN.subarray(phase, phase + Math.min(maxBytes, DEVICE_MAX_PAYLOAD, total - offset));
      offset += chunk.length;
      return chunk;
    },
  };
}

export interface GetpropCounter {
  count: number;
}

export const builtinServices: SimCapability = {
  name: 'builtin',
  shellCommands: {
    getprop({ argv }, device) {
      if (argv.length > 2) return undefined;
      device.stateOf<GetpropCounter>('getprop', () => ({ count: 0 })).count++;
      if (argv.length === 1) return bufferStream(formatGetpropListing({ ...device.properties }));
      return bufferStream(`${device.properties[argv[1]] ?? ''}\n`);
    },
    sleep({ argv }) {
      if (argv.length !== 2 || !/^\d+$/.test(argv[1])) return undefined;
      return { next: () => undefined, startAfterMs: Number(argv[1]) * 1000 };
    },
    cat({ argv }) {
      if (argv.length !== 1) return undefined;
      const stream = new PushStream();
      stream.onInput = (data) => stream.write(data);
      stream.onInputEnd = () => stream.end();
      return stream;
    },
    [SIM_STREAM_COMMAND]({ argv }) {
      if (argv.length !== 2) return undefined;
      const total = argv[1] === 'forever' ? Infinity : /^\d+$/.test(argv[1]) ? Number(argv[1]) : undefined;
      return total === undefined ? undefined : patternStream(total);
    },
  },
};
