// Wireless pairing's adb requests, in its own words, as host services the worker runs without
// knowing what they are for (`host:mdns:check`, `host:mdns:services`, `host:pair:…`). The replies
// are read here (wirelessPairing.ts), so the worker keeps no case per feature.

import { AdbCommand, CommandResult } from '../../core/types';
import { mdnsNotBuiltMessage, PAIR_DEADLINE_MS, pairingUnsupportedMessage, pairNoAnswerMessage, parseMdnsCheck, parsePairReply } from './wirelessPairing';

export type PairingCommand =
  /** `adb mdns check`: ok when the server's mDNS discovery runs; the message is its words (ours for a build without mDNS: `builtWithoutMdns`). */
  | { kind: 'mdns-check'; server: string }
  /** `adb mdns services`: the message is the raw reply, for parseMdnsServices. */
  | { kind: 'mdns-services'; server: string }
  /** `adb pair ADDRESS PASSWORD`: ok as parsePairReply says; the message is adb's reply. The password is never logged. */
  | {
      kind: 'pair';
      server: string;
      address: string;
      password: string;
      /** How long the phone has to answer once the server took the request; PAIR_DEADLINE_MS when not given. */
      deadlineMs?: number;
    };

export interface PairingResult extends CommandResult {
  /** `mdns-check` only: the server was built without mDNS discovery (the Linux distributions' adb packages). */
  builtWithoutMdns?: true;
}

export type RunAdbCommand = (command: AdbCommand) => Promise<CommandResult>;

const SERVICE_NAMES = { 'mdns-check': 'host:mdns:check', 'mdns-services': 'host:mdns:services', pair: 'host:pair' } as const;

function isPairingCommand(command: PairingCommand | AdbCommand): command is PairingCommand {
  return command.kind in SERVICE_NAMES;
}

/** A pairing command through the worker's host-service request; any other adb command passes through. */
export async function runPairingCommand(run: RunAdbCommand, command: PairingCommand | AdbCommand): Promise<PairingResult> {
  if (!isPairingCommand(command)) return run(command);
  const { server } = command;
  if (command.kind === 'pair' && command.password.includes(':')) {
    // The server reads the password up to the first `:` (services.cpp): the rest would become the target.
    return { ok: false, message: 'a pairing password cannot contain ":"' };
  }
  const result = await run(hostServiceOf(command));
  // Pairing needs platform-tools 30+: an older server's "unknown host service" is said as such.
  if (result.unsupported) return { ok: false, unsupported: true, message: pairingUnsupportedMessage(server, SERVICE_NAMES[command.kind]) };
  switch (command.kind) {
    case 'mdns-check': {
      if (!result.ok) return result;
      const { discovery, message } = parseMdnsCheck(result.message);
      // Such a server says nothing at all: ours are the only words there are.
      if (discovery === 'not-built') return { ok: false, builtWithoutMdns: true, message: mdnsNotBuiltMessage(server) };
      return { ok: discovery === 'running', message };
    }
    case 'mdns-services':
      return result;
    case 'pair': {
      const deadlineMs = command.deadlineMs ?? PAIR_DEADLINE_MS;
      // Past the deadline, once the server took the request, it is the phone that did not answer
      // (the server itself would wait for it without end).
      const text = result.timedOut ? pairNoAnswerMessage(command.address, deadlineMs) : result.message;
      const { ok, message } = parsePairReply(text);
      return { ok, message: message || 'no answer' };
    }
  }
}

function hostServiceOf(command: PairingCommand): AdbCommand {
  const { server } = command;
  if (command.kind !== 'pair') return { kind: 'host-service', server, service: SERVICE_NAMES[command.kind] };
  return {
    kind: 'host-service',
    server,
    service: `host:pair:${command.password}:${command.address}`,
    deadlineMs: command.deadlineMs ?? PAIR_DEADLINE_MS,
    secret: command.password,
    // The server connects a paired device by itself (mDNS); it shows up by push and poll.
    refreshAfter: true,
  };
}
