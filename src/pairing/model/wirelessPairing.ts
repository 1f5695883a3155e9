// Wireless pairing (Android 11+ "Wireless debugging") as the adb server speaks of it: the QR code
// a phone scans, the secrets in it, and the replies to `host:mdns:check`, `host:mdns:services` and
// `host:pair:PASSWORD:TARGET`. Pure: read by pairingCommands.ts (the replies) and the UI (the QR code).
// Reply formats and texts are AOSP adb's (packages/modules/adb), cited where they are read.

import { randomInt } from 'node:crypto';
import { formatHostPort, parseHostPort } from '../../core/address';

/**
 * The first platform-tools with `adb pair` (`host:pair:`) and `adb mdns` (`host:mdns:check`,
 * `host:mdns:services`): the release notes (developer.android.com/tools/releases/platform-tools)
 * list under 30.0.0 (April 2020) "Add initial support for wireless pairing"; 30.0.1 and 30.0.2
 * improve it. The notes do not name the mDNS host services; they came with pairing (it finds the
 * phone's pairing service through them). The server's protocol version is 41 (adb 1.0.41) before
 * and after, so `host:version` cannot tell: an older server answers FAIL "unknown host service".
 */
export const PAIRING_MIN_PLATFORM_TOOLS = '30.0.0';

/** The words of an `unsupported` CommandResult: the server is too old to pair (or browse mDNS). */
export function pairingUnsupportedMessage(server: string, service: string): string {
  return `the adb server at ${server} is too old for wireless pairing: it does not know ${service} (platform-tools ${PAIRING_MIN_PLATFORM_TOOLS} or newer has it)`;
}

// --- The QR code --------------------------------------------------------------------------------

/** The characters ZXing's `WIFI:` format escapes with a backslash. */
const WIFI_QR_SPECIAL = /[\\;,:"]/g;

/**
 * What Android Studio puts in the QR code (AdbDevicePairingServiceImpl.createPairingString):
 * `WIFI:T:ADB;S:<service name>;P:<password>;;`, escaped as the Wi-Fi QR format requires.
 */
export function qrPairingPayload(name: string, password: string): string {
  const escape = (value: string) => value.replace(WIFI_QR_SPECIAL, (special) => `\\${special}`);
  return `WIFI:T:ADB;S:${escape(name)};P:${escape(password)};;`;
}

export interface PairingSecrets {
  /** The mDNS instance name the phone advertises its pairing service under once it scanned the code. */
  name: string;
  password: string;
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const PAIRING_NAME_PREFIX = 'adw-';
export const PAIRING_NAME_RANDOM_LENGTH = 10;
export const PAIRING_PASSWORD_LENGTH = 12;

/**
 * A fresh service name and password, from the system's secure generator. Android Studio uses
 * `studio-` + 10 random characters and a 12-character password; ours are letters and digits only,
 * so nothing needs escaping and the password cannot contain the `:` that ends it in `host:pair:`.
 * Secrets: never logged.
 */
export function newPairingSecrets(): PairingSecrets {
  const random = (length: number) => Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');
  return { name: PAIRING_NAME_PREFIX + random(PAIRING_NAME_RANDOM_LENGTH), password: random(PAIRING_PASSWORD_LENGTH) };
}

// --- mDNS ---------------------------------------------------------------------------------------

/** Service types adb browses (adb_mdns.h; the third is `_adb._tcp`, adb over plain TCP); others are kept as given. */
export const TLS_PAIRING_SERVICE = '_adb-tls-pairing._tcp';
export const TLS_CONNECT_SERVICE = '_adb-tls-connect._tcp';

/**
 * Whether a server's mDNS discovery runs: `running` (it can find phones), `off` (it can, but does
 * not now: ADB_MDNS=0, no daemon) or `not-built` (the build has none: the Linux distributions'
 * adb packages, Debian's and Ubuntu's, leave mDNS out and answer `host:mdns:check` with nothing).
 */
export type MdnsDiscovery = 'running' | 'off' | 'not-built';

/**
 * `host:mdns:check`: "mdns daemon version [...]" when discovery runs, "ERROR: ..." when it does not
 * (client/transport_mdns.cpp `mdns_check`: "[Openscreen discovery 0.0.0]", "[adb discovery 0.0.0]";
 * the older mDNSResponder backend, client/mdnsresponder_client.cpp: "[%u]" and
 * "ERROR: mdns daemon unavailable"; "ERROR: mdns discovery disabled"). A build without mDNS
 * (Debian's 34.0.5, measured) answers OKAY with an empty text; its `host:host-features` still
 * lists `openscreen_mdns`, so this answer is the only way to tell.
 */
export function parseMdnsCheck(text: string): { discovery: MdnsDiscovery; message: string } {
  const message = text.trim();
  const discovery = message.startsWith('mdns daemon version') ? 'running' : message === '' ? 'not-built' : 'off';
  return { discovery, message };
}

/** Our words for a server built without mDNS (it says nothing itself). */
export function mdnsNotBuiltMessage(server: string): string {
  return `the adb server at ${server} was built without mDNS discovery (it answers host:mdns:check with nothing, as the Linux distributions' adb packages do): it cannot find phones on the network, so pairing with a QR code cannot work through it; pairing with a code and the address the phone shows does (Google's platform-tools have mDNS)`;
}

export interface MdnsService {
  /** The instance name: a pairing QR code's service name, or the device's guid (`adb-SERIAL-xxxxxx`). */
  instance: string;
  /** `_adb-tls-pairing._tcp`, `_adb-tls-connect._tcp`, `_adb._tcp` or another type, as given. */
  type: string;
  host: string;
  port: number;
  /** adb's form: `host:port`, `[v6]:port`. */
  address: string;
}

/**
 * `host:mdns:services`: one line per service, `instance\ttype\taddress:port\n`
 * (client/transport_mdns.cpp and client/mdnsresponder_client.cpp `mdns_list_discovered_services`,
 * StringPrintf("%s\t%s\t%s:%u\n") and, newer, std::format("{}\t{}\t{}:{}\n")). The fields are
 * printed unescaped, so an instance name keeps its spaces and tabs: the type and the address are
 * the last two fields. The mDNSResponder backend prints the type with DNS's trailing dot
 * (`_adb-tls-pairing._tcp.`), dropped here. Skipped (for the caller to log): lines without three
 * fields, and addresses without a host, such as the newest adb's service that has no IPv4 address
 * (`instance\ttype\t:37000`). An IPv6 host comes in brackets or bare (`fe80::1:37000`, the
 * mDNSResponder backend prints inet_ntop's text): both are read.
 */
export function parseMdnsServices(text: string): { services: MdnsService[]; skipped: string[] } {
  const services: MdnsService[] = [];
  const skipped: string[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const service = parseMdnsLine(line);
    if (service) services.push(service);
    else skipped.push(line);
  }
  return { services, skipped };
}

function parseMdnsLine(line: string): MdnsService | undefined {
  const fields = line.split('\t');
  if (fields.length < 3) return undefined;
  const addressText = fields[fields.length - 1];
  const type = fields[fields.length - 2].replace(/\.$/, '');
  const instance = fields.slice(0, -2).join('\t');
  if (instance.length === 0 || type.length === 0) return undefined;
  const endpoint = parseHostPort(bracketBareIpv6(addressText), {});
  if ('problem' in endpoint) return undefined;
  return { instance, type, host: endpoint.host, port: endpoint.port, address: formatHostPort(endpoint) };
}

/** `fe80::1:37000` -> `[fe80::1]:37000`: with a port always there, its colon is the last one. */
function bracketBareIpv6(address: string): string {
  const lastColon = address.lastIndexOf(':');
  const bare = !address.startsWith('[') && address.indexOf(':') !== lastColon;
  return bare ? `[${address.slice(0, lastColon)}]${address.slice(lastColon)}` : address;
}

/**
 * The mDNS instance a serial names when adb connected the device by its `_adb-tls-connect._tcp`
 * service: adb connects `instance + "." + service` (client/transport_mdns.cpp
 * RequestConnectToDevice) and lists the device under that name, with DNS's trailing dot on the
 * mDNSResponder backend (macOS's usual one: `adb-XXXX-yyyy._adb-tls-connect._tcp.`); adb also reads
 * a `.local` domain after the type (client/mdns_utils.cpp). Undefined for any other serial.
 */
export function connectedInstanceOf(serial: string): string | undefined {
  return /^(.+)\._adb-tls-connect\._tcp(?:\.local)?\.?$/.exec(serial)?.[1];
}

/**
 * Whether two instance names are the same phone: equal once the " (N)" that mDNS appends to a
 * name it found taken is dropped (RFC 6762 section 9; a phone that re-advertises while its old
 * record is still cached becomes `adb-XXXX-yyyy (2)`). A guid is unique to its phone, so its
 * renamed forms are too.
 */
export function samePhoneInstance(a: string, b: string): boolean {
  const base = (instance: string) => instance.replace(/ \(\d+\)$/, '');
  return base(a) === base(b);
}

/**
 * THE rule for "this connect service is that listed device": adb lists a phone it connected by
 * address under `host:port`, and one it connected by mDNS (its own auto-connect) under the
 * service's name, in any of the forms above. The pairing flow and the network list both use it.
 */
export function isConnectServiceOf(service: { instance: string; address?: string }, serial: string): boolean {
  if (serial === service.address) return true;
  const instance = connectedInstanceOf(serial);
  return instance !== undefined && samePhoneInstance(instance, service.instance);
}

// --- Pairing ------------------------------------------------------------------------------------

/**
 * How long the phone has to answer a pairing once the server took the request. AOSP's pairing
 * client gives up a connection that does not open within 10 s ("Unable to start pairing client"),
 * but waits for a phone that accepted it without any limit (adb 34.0.5: 95 s and more, until the
 * phone closes it), so the worker ends the request itself.
 */
export const PAIR_DEADLINE_MS = 20_000;

/**
 * The texts of client/adb_wifi.cpp `adb_wifi_pair_device`: "Successfully paired to " + target +
 * " [guid=" + guid + "]" on success, and the failures below. services.cpp `pair_service` answers
 * OKAY at once and the text when pairing is over: a failure as FAIL and the text (adb 34.0.5,
 * measured), platform-tools 30 the text alone (the worker reads both).
 */
export const PAIR_REPLY = {
  /** The phone rejected the password, or closed the connection (its dialog was closed). */
  wrongPassword: 'Failed: Wrong password or connection was dropped.',
  /** The pairing connection could not be made: refused, or not open within 10 s (pairing_client.cpp, `timeout = 10`). */
  noPairingClient: 'Failed: Unable to start pairing client.',
  /** `PairingClient::Create` failed. */
  noPairingClientCreated: 'Failed: unable to create pairing client.',
  // Others, all 'other' here: "Failed to parse address for pairing: ERROR",
  // "Failed: Successfully paired but server returned unknown response=TYPE".
} as const;

const PAIRED = /^Successfully paired to (.*) \[guid=([^\]]*)\]$/;
/** A target that is no `host:port` (no port, an mDNS instance name): "Invalid port while parsing address [TARGET]". */
const INVALID_ADDRESS = /^Invalid port while parsing address \[/;
const NO_ANSWER = /^No answer from the phone at .* within /;

/** Ours, when the phone did not answer by the deadline: read back by parsePairReply as `no-answer`. */
export function pairNoAnswerMessage(target: string, deadlineMs: number): string {
  return `No answer from the phone at ${target} within ${deadlineMs / 1000} s.`;
}

export type PairOutcome =
  | { ok: true; guid: string; message: string }
  | { ok: false; reason: 'wrong-password' | 'no-pairing-client' | 'invalid-address' | 'no-answer' | 'other'; message: string };

/** The reply to `host:pair:PASSWORD:TARGET`, success or failure (or the worker's no-answer text). */
export function parsePairReply(text: string): PairOutcome {
  const message = text.trim();
  const paired = PAIRED.exec(message);
  if (paired) return { ok: true, guid: paired[2], message };
  if (message === PAIR_REPLY.wrongPassword) return { ok: false, reason: 'wrong-password', message };
  if (message === PAIR_REPLY.noPairingClient || message === PAIR_REPLY.noPairingClientCreated) {
    return { ok: false, reason: 'no-pairing-client', message };
  }
  if (INVALID_ADDRESS.test(message)) return { ok: false, reason: 'invalid-address', message };
  if (NO_ANSWER.test(message)) return { ok: false, reason: 'no-answer', message };
  return { ok: false, reason: 'other', message };
}
