import ipaddr from 'ipaddr.js';

/**
 * IP arithmetic for validation and diff. ipaddr.js parses and prints (so `fdd1:ac8c:0557::/64`
 * and `fdd1:ac8c:557::/64` print the same); ranges are BigInt intervals so containment and
 * overlap are exact for IPv4 and IPv6 alike.
 */
export type Family = 4 | 6;

export interface Address {
  family: Family;
  value: bigint;
  /** Canonical text: dotted quad, or RFC 5952 zero-compressed lower-case IPv6. */
  text: string;
}

export interface Cidr {
  family: Family;
  prefix: number;
  /** First address of the block (host bits cleared). */
  first: bigint;
  last: bigint;
  /** True when the written address had host bits set (`10.0.42.1/24`). */
  hostBitsSet: boolean;
  /** Canonical text of the block itself (`10.0.42.0/24`), host bits cleared. */
  text: string;
}

const bitsOf = (family: Family): number => (family === 4 ? 32 : 128);

function toBigInt(bytes: number[]): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function fromBigInt(value: bigint, family: Family): string {
  const length = family === 4 ? 4 : 16;
  const bytes = new Array<number>(length);
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * Rewrites a trailing dotted quad (`::1.2.3.4`, `::ffff:10.0.0.1`) as two hex groups: ipaddr.js
 * reads `::1.2.3.4` as `::ffff:102:304`, a different address. Undefined when the quad is invalid.
 */
function embeddedIPv4AsHex(text: string): string | undefined {
  const colon = text.lastIndexOf(':');
  const tail = text.slice(colon + 1);
  if (!tail.includes('.')) return text;
  if (!ipaddr.IPv4.isValidFourPartDecimal(tail)) return undefined;
  const [a = 0, b = 0, c = 0, d = 0] = ipaddr.IPv4.parse(tail).octets;
  const hex = (high: number, low: number): string => ((high << 8) | low).toString(16);
  return `${text.slice(0, colon + 1)}${hex(a, b)}:${hex(c, d)}`;
}

/** The canonical text of an address given by value (the inverse of parseAddress's `value`). */
export function addressOfValue(value: bigint, family: Family): string {
  return fromBigInt(value, family);
}

/** Parses one address; strict: IPv4 must be four decimal parts, IPv6 must not carry a zone. */
export function parseAddress(text: string): Address | undefined {
  if (typeof text !== 'string' || text.includes('%') || text.includes('/')) return undefined;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) parsed = ipaddr.IPv4.parse(text);
  else if (text.includes(':')) {
    const v6 = embeddedIPv4AsHex(text);
    if (v6 === undefined || !ipaddr.IPv6.isValid(v6)) return undefined;
    parsed = ipaddr.IPv6.parse(v6);
  } else return undefined;
  const family: Family = parsed.kind() === 'ipv4' ? 4 : 6;
  const value = toBigInt(parsed.toByteArray());
  // The same text fromBigInt would print for this value: ipaddr.js prints both the same way.
  return { family, value, text: parsed.toString() };
}

/** Parses `address/prefix`; undefined when either part is not valid for its family. */
export function parseCidr(text: string): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0 || slash !== text.lastIndexOf('/')) return undefined;
  const address = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!address || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const bits = bitsOf(address.family);
  if (prefix > bits) return undefined;
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const first = address.value & ~hostMask & ((1n << BigInt(bits)) - 1n);
  const hostBitsSet = (address.value & hostMask) !== 0n;
  return {
    family: address.family,
    prefix,
    first,
    last: first | hostMask,
    hostBitsSet,
    text: `${hostBitsSet ? fromBigInt(first, address.family) : address.text}/${prefix}`,
  };
}

/** The canonical text of an address or CIDR, or the input unchanged when it does not parse. */
export function canonicalAddress(text: string): string {
  return parseAddress(text)?.text ?? text;
}

/** Canonical CIDR text, keeping host bits as written (Docker keeps them too), or the input when invalid. */
export function canonicalCidr(text: string): string {
  const slash = text.indexOf('/');
  if (slash < 0) return text;
  const address = parseAddress(text.slice(0, slash));
  const cidr = parseCidr(text);
  return address && cidr ? `${address.text}/${cidr.prefix}` : text;
}

export function containsAddress(block: Cidr, address: Address): boolean {
  return block.family === address.family && address.value >= block.first && address.value <= block.last;
}

/** True when `inner` lies wholly inside `outer`. */
export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && inner.first >= outer.first && inner.last <= outer.last;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** Orders CIDRs IPv4 first, then by first address, then by prefix: the canonical order of pools. */
export function compareCidrText(a: string, b: string): number {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  if (x.family !== y.family) return x.family - y.family;
  if (x.first !== y.first) return x.first < y.first ? -1 : 1;
  return x.prefix - y.prefix;
}
