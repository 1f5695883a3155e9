// The emulator console, by its documented text protocol on 127.0.0.1:<console port> (the even
// port below the adb port: emulator-5554 listens on 5554): a banner ending in `OK`, then one
// command per line, each answered by lines ending in `OK` or `KO: reason`. Newer emulators ask
// for `auth <token>` first, the token being in ~/.emulator_console_auth_token.

import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface ConsoleReply {
  ok: boolean;
  /** The lines before `OK`, or the reason after `KO:`. */
  text: string;
}

/** The emulator's console port from its adb serial (`emulator-5554` -> 5554). */
export function consolePortOf(serial: string): number | undefined {
  const match = /^emulator-(\d{1,5})$/.exec(serial);
  const port = match ? Number(match[1]) : NaN;
  return port > 0 && port < 65536 ? port : undefined;
}

export async function readConsoleToken(home: string): Promise<string | undefined> {
  const text = await fs.readFile(path.join(home, '.emulator_console_auth_token'), 'utf8').catch(() => undefined);
  return text?.trim() || undefined;
}

export interface ConsoleOptions {
  token?: string;
  timeoutMs: number;
}

/** One console session: connect, authenticate when asked, run the commands, close. */
export function runConsoleCommands(port: number, commands: string[], options: ConsoleOptions): Promise<ConsoleReply[]> {
  return withConsole(port, options, async (send) => {
    const replies: ConsoleReply[] = [];
    for (const command of commands) replies.push(await send(command));
    return replies;
  });
}

export interface ConsoleKill {
  killed: boolean;
  /** The console's words, or why it was not this emulator's. */
  text: string;
}

/**
 * `kill` through the console on 127.0.0.1:port, only when that console is the emulator meant:
 * with `avd`, its `avd name` must answer that AVD (a server forwarded to this machine lists
 * emulators whose ports are another machine's; this machine's emulator on that port is not one).
 */
export function killThroughConsole(port: number, avd: string | undefined, options: ConsoleOptions): Promise<ConsoleKill> {
  return withConsole(port, options, async (send): Promise<ConsoleKill> => {
    if (avd !== undefined) {
      const name = await send('avd name');
      if (!name.ok || name.text !== avd) {
        return { killed: false, text: `the emulator console on port ${port} is not ${avd}'s (${name.ok ? `it runs ${name.text}` : name.text})` };
      }
    }
    const reply = await send('kill');
    return { killed: reply.ok, text: reply.text };
  });
}

async function withConsole<T>(port: number, options: ConsoleOptions, use: (send: (command: string) => Promise<ConsoleReply>) => Promise<T>): Promise<T> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const lines: string[] = [];
  let waiting: (() => void) | undefined;
  let failed: Error | undefined;
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    // A console never sends this much for the commands used here; stop reading a flood.
    if (buffered.length > 64 * 1024) socket.destroy(new Error('the emulator console sent too much'));
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      lines.push(buffered.slice(0, newline).replace(/\r$/, ''));
      buffered = buffered.slice(newline + 1);
    }
    waiting?.();
  });
  socket.on('error', (error) => {
    failed = error;
    waiting?.();
  });
  socket.on('close', () => {
    failed ??= new Error('the emulator console closed the connection');
    waiting?.();
  });
  const deadline = setTimeout(() => socket.destroy(new Error(`the emulator console on port ${port} did not answer within ${options.timeoutMs} ms`)), options.timeoutMs);

  /** Lines up to the next `OK` or `KO: ...`. */
  const reply = async (): Promise<ConsoleReply> => {
    for (;;) {
      const end = lines.findIndex((line) => line === 'OK' || line.startsWith('OK:') || line.startsWith('KO'));
      if (end >= 0) {
        const body = lines.splice(0, end + 1);
        const last = body.pop()!;
        if (last.startsWith('KO')) return { ok: false, text: last.replace(/^KO:?\s*/, '') };
        return { ok: true, text: [...body, last.replace(/^OK:?\s*/, '')].filter(Boolean).join('\n') };
      }
      if (failed) throw failed;
      await new Promise<void>((resolve) => (waiting = resolve));
      waiting = undefined;
    }
  };

  try {
    const banner = await reply();
    if (/Authentication required/i.test(banner.text)) {
      if (!options.token) throw new Error('the emulator console asks for its auth token, and ~/.emulator_console_auth_token was not found');
      const auth = await send(socket, `auth ${options.token}`, reply);
      if (!auth.ok) throw new Error(`the emulator console refused the auth token: ${auth.text}`);
    }
    return await use((command) => send(socket, command, reply));
  } finally {
    clearTimeout(deadline);
    socket.destroy();
  }
}

function send(socket: net.Socket, command: string, reply: () => Promise<ConsoleReply>): Promise<ConsoleReply> {
  socket.write(`${command}\r\n`);
  return reply();
}
