// The emulator console client against a simulated console on loopback that answers as the
// emulator's documented console does (banner, auth, avd name, kill).

import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { consolePortOf, killThroughConsole, runConsoleCommands } from '../../src/emulators/model/emulatorConsole';

/** Simulated emulator console: the banner and replies of the real one, for the commands used. */
function simulatedConsole(options: { token?: string; silent?: boolean }): Promise<{ port: number; received: string[]; close(): void }> {
  const received: string[] = [];
  const server = net.createServer((socket) => {
    if (options.silent) return;
    let authed = !options.token;
    socket.write(
      authed
        ? "Android Console: type 'help' for a list of commands\r\nOK\r\n"
        : "Android Console: Authentication required\r\nAndroid Console: type 'auth <auth_token>' to authenticate\r\nAndroid Console: you can find your <auth_token> in \r\n'/home/dev/.emulator_console_auth_token'\r\nOK\r\n",
    );
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).replace(/\r$/, '');
        buffered = buffered.slice(newline + 1);
        received.push(line);
        if (line.startsWith('auth ')) {
          authed = line === `auth ${options.token}`;
          socket.write(authed ? "Android Console: type 'help' for a list of commands\r\nOK\r\n" : 'KO: authentication token does not match ~/.emulator_console_auth_token\r\n');
        } else if (!authed) {
          socket.write('KO: unknown command, try \'help\'\r\n');
        } else if (line === 'avd name') {
          socket.write('Pixel_8_API_34\r\nOK\r\n');
        } else if (line === 'kill') {
          socket.end('OK: killing emulator, bye bye\r\n');
        } else {
          socket.write("KO: unknown command, try 'help'\r\n");
        }
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, received, close: () => server.close() })),
  );
}

describe('emulator console client', () => {
  const open: { close(): void }[] = [];
  afterEach(() => open.splice(0).forEach((c) => c.close()));

  it('reads the console port from the serial', () => {
    assert.equal(consolePortOf('emulator-5554'), 5554);
    assert.equal(consolePortOf('emulator-99999'), undefined);
    assert.equal(consolePortOf('127.0.0.1:5555'), undefined);
  });

  it('authenticates when asked, then reads the AVD name and kills the emulator', async () => {
    const sim = await simulatedConsole({ token: 'secret' });
    open.push(sim);
    const replies = await runConsoleCommands(sim.port, ['avd name', 'kill'], { token: 'secret', timeoutMs: 5000 });
    assert.deepEqual(replies, [
      { ok: true, text: 'Pixel_8_API_34' },
      { ok: true, text: 'killing emulator, bye bye' },
    ]);
    assert.deepEqual(sim.received, ['auth secret', 'avd name', 'kill']);
  });

  it('says why when the token is wrong, missing, or the console never answers', async () => {
    const sim = await simulatedConsole({ token: 'secret' });
    const silent = await simulatedConsole({ silent: true });
    open.push(sim, silent);
    await assert.rejects(runConsoleCommands(sim.port, ['kill'], { token: 'wrong', timeoutMs: 5000 }), /refused the auth token: authentication token does not match/);
    await assert.rejects(runConsoleCommands(sim.port, ['kill'], { timeoutMs: 5000 }), /asks for its auth token/);
    await assert.rejects(runConsoleCommands(silent.port, ['kill'], { timeoutMs: 200 }), /did not answer within 200 ms/);
  });

  it('kills only through the console of the AVD meant: another emulator on that port (a forwarded server\'s port) is left alone', async () => {
    const sim = await simulatedConsole({ token: 'secret' });
    open.push(sim);
    assert.deepEqual(await killThroughConsole(sim.port, 'Tablet_API_30', { token: 'secret', timeoutMs: 5000 }), {
      killed: false,
      text: `the emulator console on port ${sim.port} is not Tablet_API_30's (it runs Pixel_8_API_34)`,
    });
    assert.deepEqual(sim.received, ['auth secret', 'avd name']);
    assert.deepEqual(await killThroughConsole(sim.port, 'Pixel_8_API_34', { token: 'secret', timeoutMs: 5000 }), { killed: true, text: 'killing emulator, bye bye' });
    assert.deepEqual(sim.received.slice(2), ['auth secret', 'avd name', 'kill']);
  });

  it('reports a command the console refuses', async () => {
    const sim = await simulatedConsole({});
    open.push(sim);
    assert.deepEqual(await runConsoleCommands(sim.port, ['nonsense'], { timeoutMs: 5000 }), [{ ok: false, text: "unknown command, try 'help'" }]);
  });
});
