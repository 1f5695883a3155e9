import * as assert from 'node:assert/strict';
import Parser from '@devicefarmer/adbkit/dist/src/adb/parser';
import { AdbError, classifyAdbError, describeAdbError, isDeadlineError } from '../../src/core/adb/adbErrors';
import { isLoopbackHost } from '../../src/core/address';
import { ServerProblem } from '../../src/core/types';

function errno(code: string, extra: Record<string, unknown> = {}): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code, ...extra });
}

describe('adb errors: the kind of failure', () => {
  const cases: [string, unknown, ServerProblem][] = [
    ['connection refused', errno('ECONNREFUSED'), 'not-running'],
    ['reset', errno('ECONNRESET'), 'closed'],
    ['broken pipe', errno('EPIPE'), 'closed'],
    ['closed mid-reply', new Parser.PrematureEOFError(10), 'closed'],
    ['host name not found', errno('ENOTFOUND'), 'host-unreachable'],
    ['name lookup failed for now', errno('EAI_AGAIN'), 'host-unreachable'],
    ['no route to host', errno('EHOSTUNREACH'), 'host-unreachable'],
    ['network unreachable', errno('ENETUNREACH'), 'host-unreachable'],
    ['kernel connect timeout', errno('ETIMEDOUT'), 'host-unreachable'],
    ['adbkit socket timeout', new Parser.TimeoutError(), 'not-answering'],
    ['unexpected data', new Parser.UnexpectedDataError('HTTP', 'OKAY or FAIL'), 'not-adb'],
    ['adb missing (spawn)', errno('ENOENT', { path: '/nowhere/adb', syscall: 'spawn /nowhere/adb' }), 'adb-missing'],
    ['adb not runnable (spawn)', errno('EACCES', { path: '/tmp/adb', syscall: 'spawn /tmp/adb' }), 'adb-missing'],
    ['ENOENT not from a spawn', errno('ENOENT'), 'other'],
    ['FAIL from the server', new Parser.FailError('unknown host service'), 'other'],
    ['anything else', new Error('boom'), 'other'],
    ['not an error at all', 'text', 'other'],
    ['our own error carries its kind', new AdbError('x did not accept a connection within 1 ms', 'ETIMEDOUT', 'host-unreachable'), 'host-unreachable'],
    ['our own malformed reply', new AdbError('malformed', undefined, 'not-adb'), 'not-adb'],
  ];
  for (const [what, error, problem] of cases) {
    it(`${what} -> ${problem}`, () => {
      assert.equal(classifyAdbError(error), problem);
    });
  }

  it('keeps the sentences, and names the kernel connect timeout', () => {
    assert.equal(describeAdbError(errno('ECONNREFUSED'), 'h:1', 'adb', 100), 'no adb server at h:1 (connection refused)');
    assert.equal(describeAdbError(new Parser.TimeoutError(), 'h:1', 'adb', 100), 'h:1 accepted the connection but did not answer within 100 ms');
    assert.equal(describeAdbError(errno('ETIMEDOUT'), 'h:1', 'adb', 100), 'h:1 did not accept a connection (timed out)');
    assert.equal(describeAdbError(errno('ENOENT', { path: '/x/adb' }), 'h:1', '/x/adb', 100), 'adb executable not found: /x/adb');
  });

  it('tells a deadline from other failures', () => {
    assert.equal(isDeadlineError(new AdbError('late', 'ETIMEDOUT', 'not-answering')), true);
    assert.equal(isDeadlineError(errno('ETIMEDOUT')), false);
    assert.equal(isDeadlineError(errno('ECONNREFUSED')), false);
  });
});

describe('loopback addresses (where starting an adb server can help)', () => {
  it('accepts 127.0.0.0/8, ::1 and localhost', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LocalHost']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
  });
  it('refuses every other address and name', () => {
    for (const host of ['0.0.0.0', '10.0.0.5', '192.168.1.20', '128.0.0.1', '::', '::2', 'fe80::1', 'localhost.example', 'lab-host', '']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});
