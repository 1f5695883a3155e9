// What went wrong talking to an adb server: our own errors, a sentence a user can act on for any
// socket or adb failure, and the kind of failure the status bar names.

import Parser from '@devicefarmer/adbkit/dist/src/adb/parser';
import { ServerProblem } from '../types';

/** An error of ours, with the sentence to show and the kind of failure behind it. */
export class AdbError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly problem?: ServerProblem,
  ) {
    super(message);
  }
}

/** The code of the errors closeAll() fails operations with (pause, stop). */
export const CLOSED_BY_US = 'ECLOSED';

/** True for an operation that ran out of its deadline (connect included), as opposed to one that failed. */
export function isDeadlineError(error: unknown): boolean {
  return error instanceof AdbError && error.code === 'ETIMEDOUT';
}

/** Turns socket and adbkit errors into a sentence a user can act on. */
export function describeAdbError(error: unknown, address: string, adbPath: string, timeoutMs: number): string {
  const err = error as NodeJS.ErrnoException & { unexpected?: string; name?: string };
  if (error instanceof AdbError) {
    return error.message;
  }
  if (err?.code === 'ENOENT' && typeof (err as { path?: string }).path === 'string') {
    return `adb executable not found: ${adbPath}`;
  }
  if (err?.code === 'EACCES' && typeof (err as { path?: string }).path === 'string') {
    return `adb executable is not runnable: ${adbPath}`;
  }
  switch (err?.code) {
    case 'ECONNREFUSED':
      return `no adb server at ${address} (connection refused)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `the adb server at ${address} closed the connection`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host of ${address} not found`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return `${address} is unreachable`;
    case 'ETIMEDOUT':
      return `${address} did not accept a connection (timed out)`;
    default:
      break;
  }
  if (error instanceof Parser.TimeoutError) {
    return `${address} accepted the connection but did not answer within ${timeoutMs} ms`;
  }
  if (error instanceof Parser.UnexpectedDataError) {
    return `${address} is not an adb server (it answered ${JSON.stringify(String(err.unexpected).slice(0, 16))})`;
  }
  if (error instanceof Parser.PrematureEOFError) {
    return `the adb server at ${address} closed the connection mid-reply`;
  }
  if (error instanceof Parser.FailError) {
    return `the adb server at ${address} refused: ${err.message.replace(/^Failure: /, '')}`;
  }
  return `${address}: ${err?.message ?? String(error)}`;
}

/** The kind of failure behind an error, for `ServerState.problem`; the sentence is describeAdbError's. */
export function classifyAdbError(error: unknown): ServerProblem {
  if (error instanceof AdbError && error.problem) {
    return error.problem;
  }
  const err = error as (NodeJS.ErrnoException & { path?: unknown }) | undefined;
  switch (err?.code) {
    case 'ENOENT':
    case 'EACCES':
      // From spawning adb (the error names the executable): it cannot start a server.
      return typeof err.path === 'string' ? 'adb-missing' : 'other';
    case 'ECONNREFUSED':
      return 'not-running';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'closed';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'ETIMEDOUT':
      return 'host-unreachable';
    default:
      break;
  }
  if (error instanceof Parser.TimeoutError) {
    return 'not-answering';
  }
  if (error instanceof Parser.UnexpectedDataError) {
    return 'not-adb';
  }
  if (error instanceof Parser.PrematureEOFError) {
    return 'closed';
  }
  return 'other';
}
