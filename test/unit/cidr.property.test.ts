import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalAddress,
  canonicalCidr,
  compareCidrText,
  containsAddress,
  containsCidr,
  overlaps,
  parseAddress,
  parseCidr,
  type Family,
} from '../../src/core/cidr.js';

/**
 * Properties of src/core/cidr.ts against brute force: blocks are drawn inside one small universe
 * (a v4 /24 or a v6 /120), so every block's addresses can be enumerated as a set and containment
 * and overlap compared with set inclusion and intersection.
 */

const v4Text = (value: number): string =>
  [24, 16, 8, 0].map((shift) => String((value >>> shift) & 0xff)).join('.');

/** RFC 5952 by hand: lower case, no leading zeros, the longest run (first on a tie) of 2+ zero groups as `::`. */
function rfc5952(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

const groupsOf = (value: bigint): number[] =>
  Array.from({ length: 8 }, (_, i) => Number((value >> BigInt((7 - i) * 16)) & 0xffffn));
const v6Full = (value: bigint): string =>
  groupsOf(value)
    .map((g) => g.toString(16).padStart(4, '0'))
    .join(':');

interface Universe {
  family: Family;
  /** First address of the universe (a v4 /24 or a v6 /120). */
  base: bigint;
  text: (value: bigint) => string;
  minPrefix: number;
  maxPrefix: number;
}

const universes: Universe[] = [
  { family: 4, base: 0x0a2a0000n + 0x2a00n, text: (v) => v4Text(Number(v)), minPrefix: 24, maxPrefix: 32 },
  {
    family: 6,
    base: 0xfdd1ac8c05577ce20000000000000000n,
    text: (v) => rfc5952(groupsOf(v)),
    minPrefix: 120,
    maxPrefix: 128,
  },
];

const bits = (family: Family): number => (family === 4 ? 32 : 128);

/** A block inside the universe: any written address in it (host bits possibly set) and a prefix. */
const block = (u: Universe) =>
  fc.record({
    offset: fc.integer({ min: 0, max: 255 }),
    prefix: fc.integer({ min: u.minPrefix, max: u.maxPrefix }),
  });

function members(u: Universe, offset: number, prefix: number): Set<number> {
  const size = 2 ** (bits(u.family) - prefix);
  const start = Math.floor(offset / size) * size;
  return new Set(Array.from({ length: size }, (_, i) => start + i));
}

describe.each(universes)('IPv$family', (u) => {
  const cidrOf = (offset: number, prefix: number) => {
    const cidr = parseCidr(`${u.text(u.base + BigInt(offset))}/${prefix}`);
    if (!cidr) throw new Error('a generated CIDR did not parse');
    return cidr;
  };

  it('containsAddress agrees with set membership', () => {
    fc.assert(
      fc.property(block(u), fc.integer({ min: 0, max: 255 }), ({ offset, prefix }, probe) => {
        const address = parseAddress(u.text(u.base + BigInt(probe)))!;
        expect(containsAddress(cidrOf(offset, prefix), address)).toBe(members(u, offset, prefix).has(probe));
      }),
    );
  });

  it('containsCidr and overlaps agree with set inclusion and intersection', () => {
    fc.assert(
      fc.property(block(u), block(u), (a, b) => {
        const setA = members(u, a.offset, a.prefix);
        const setB = members(u, b.offset, b.prefix);
        const inside = [...setB].every((x) => setA.has(x));
        const meet = [...setB].some((x) => setA.has(x));
        expect(containsCidr(cidrOf(a.offset, a.prefix), cidrOf(b.offset, b.prefix))).toBe(inside);
        expect(overlaps(cidrOf(a.offset, a.prefix), cidrOf(b.offset, b.prefix))).toBe(meet);
        expect(overlaps(cidrOf(b.offset, b.prefix), cidrOf(a.offset, a.prefix))).toBe(meet);
      }),
    );
  });

  it('hostBitsSet and the canonical block text follow the first member', () => {
    fc.assert(
      fc.property(block(u), ({ offset, prefix }) => {
        const cidr = cidrOf(offset, prefix);
        const first = Math.min(...members(u, offset, prefix));
        expect(cidr.hostBitsSet).toBe(first !== offset);
        expect(cidr.text).toBe(`${u.text(u.base + BigInt(first))}/${prefix}`);
        expect(cidr.last - cidr.first + 1n).toBe(BigInt(members(u, offset, prefix).size));
      }),
    );
  });

  it('different families never contain or overlap each other', () => {
    const other = universes.find((x) => x.family !== u.family)!;
    fc.assert(
      fc.property(block(u), block(other), (a, b) => {
        const x = cidrOf(a.offset, a.prefix);
        const y = parseCidr(`${other.text(other.base + BigInt(b.offset))}/${b.prefix}`)!;
        expect(overlaps(x, y)).toBe(false);
        expect(containsCidr(x, y)).toBe(false);
      }),
    );
  });
});

describe('canonical printing', () => {
  const v6Value = fc
    .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
    .map((groups) => groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n));

  it('IPv6: any spelling (full, upper case, leading zeros) prints as RFC 5952, and that round-trips', () => {
    fc.assert(
      fc.property(v6Value, fc.boolean(), (value, upper) => {
        const full = upper ? v6Full(value).toUpperCase() : v6Full(value);
        const canonical = rfc5952(groupsOf(value));
        const parsed = parseAddress(full);
        expect(parsed?.text).toBe(canonical);
        expect(parsed?.value).toBe(value);
        expect(parseAddress(canonical)?.text).toBe(canonical);
        expect(canonicalAddress(canonical)).toBe(canonical);
      }),
    );
  });

  it('IPv6 with an embedded dotted quad keeps the address value', () => {
    fc.assert(
      fc.property(v6Value, (value) => {
        const groups = groupsOf(value);
        const quad = `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
        const mixed = `${groups
          .slice(0, 6)
          .map((g) => g.toString(16))
          .join(':')}:${quad}`;
        expect(parseAddress(mixed)?.value).toBe(value);
      }),
    );
    expect(parseAddress('::1.2.3.4')?.text).toBe('::102:304');
    expect(parseAddress('::ffff:1.2.3.4')?.text).toBe('::ffff:102:304');
  });

  it('IPv4 round-trips and rejects non-canonical spellings Docker would not take', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        const text = v4Text(value);
        expect(parseAddress(text)?.text).toBe(text);
        expect(parseAddress(text)?.value).toBe(BigInt(value));
      }),
    );
    for (const bad of [
      '01.2.3.4',
      '1.2.3',
      '0x1.2.3.4',
      '1.2.3.4 ',
      '256.1.1.1',
      '',
      'fe80::1%eth0',
      '10.0.0.1/24',
    ]) {
      expect(parseAddress(bad), bad).toBeUndefined();
    }
  });

  it('canonical CIDRs compare by value: fdd1:ac8c:0557:7ce0::/64 equals fdd1:ac8c:557:7ce0::/64', () => {
    expect(canonicalCidr('fdd1:ac8c:0557:7ce0::/64')).toBe('fdd1:ac8c:557:7ce0::/64');
    expect(canonicalCidr('FDD1:AC8C:557:7CE0:0:0:0:0/64')).toBe('fdd1:ac8c:557:7ce0::/64');
    fc.assert(
      fc.property(v6Value, fc.integer({ min: 0, max: 128 }), (value, prefix) => {
        expect(canonicalCidr(`${v6Full(value)}/${prefix}`)).toBe(`${rfc5952(groupsOf(value))}/${prefix}`);
      }),
    );
    for (const bad of [
      '10.0.0.0/33',
      'fd00::/129',
      '10.0.0.0',
      '10.0.0.0/-1',
      '10.0.0.0/24/1',
      '10.0.0.0/ 24',
    ]) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });

  it('compareCidrText orders IPv4 before IPv6, then by address, then by prefix', () => {
    const sorted = ['fd00::/64', '10.0.1.0/24', '10.0.0.0/16', '10.0.0.0/8', '::/0'].sort(compareCidrText);
    expect(sorted).toEqual(['10.0.0.0/8', '10.0.0.0/16', '10.0.1.0/24', '::/0', 'fd00::/64']);
  });
});
