import { substitute, type Lookup } from './template.js';

/** A line of a `.env` file Compose cannot read; Compose stops on it. */
export class DotenvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const isSpace = (c: string): boolean =>
  c === '\t' || c === '\v' || c === '\f' || c === '\r' || c === ' ' || c === '\u0085' || c === '\u00a0';
const isUnicodeSpace = (c: string): boolean => /\s/u.test(c) || c === '\u0085';
const KEY_CHARACTER = /^[\p{L}\p{N}_.\-[\]]$/u;

/**
 * Reads a `.env` file as compose-go's dotenv parser does: `KEY=value`, `export KEY=value`,
 * `KEY: value`, single quotes (literal), double quotes (escapes and `${VAR}`), unquoted values cut
 * at ` #`, `${VAR}` in values (from `environment` first, then keys set earlier in the file), and a
 * bare `KEY` that copies the variable from `environment` when it is set.
 */
export function parseDotenv(text: string, environment: Lookup): Map<string, string> {
  const out = new Map<string, string>();
  const lookup: Lookup = (name) => environment(name) ?? out.get(name);
  let line = 1;
  let rest = text;
  for (;;) {
    // Skip blank space and comment lines.
    for (;;) {
      let i = 0;
      while (i < rest.length && isUnicodeSpace(rest[i]!)) {
        if (rest[i] === '\n') line++;
        i++;
      }
      rest = rest.slice(i);
      if (rest.startsWith('#')) {
        const newline = rest.indexOf('\n');
        rest = newline < 0 ? '' : rest.slice(newline);
        continue;
      }
      break;
    }
    if (rest === '') break;

    if (/^export\s+/.test(rest)) rest = rest.slice('export'.length).replace(/^[\t\v\f\r \u0085\u00a0]+/, '');
    let keyEnd = -1;
    let inherited = false;
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i]!;
      if (isSpace(c)) continue;
      if (c === '=' || c === ':' || c === '\n') {
        keyEnd = i;
        inherited = c === '\n';
        break;
      }
      if (!KEY_CHARACTER.test(c)) {
        throw new DotenvError(
          line,
          `unexpected character ${JSON.stringify(c)} in variable name ${JSON.stringify(rest.split('\n')[0])}`,
        );
      }
    }
    if (keyEnd < 0) {
      // A last line without = or newline: compose-go reads the whole remainder as a key to inherit.
      keyEnd = rest.length;
      inherited = true;
    }
    const key = rest.slice(0, keyEnd).replace(/\s+$/u, '');
    if (key.includes(' ')) throw new DotenvError(line, 'key cannot contain a space');
    rest = rest.slice(keyEnd + 1).replace(/^[\t\v\f\r \u0085\u00a0]+/, '');
    if (inherited) {
      line++;
      const value = environment(key);
      if (value !== undefined) out.set(key, value);
      continue;
    }
    const quote = rest[0] === '"' || rest[0] === "'" ? rest[0] : undefined;
    if (!quote) {
      const newline = rest.indexOf('\n');
      let value = newline < 0 ? rest : rest.slice(0, newline);
      rest = newline < 0 ? '' : rest.slice(newline + 1);
      line++;
      const comment = value.indexOf(' #');
      if (comment >= 0) value = value.slice(0, comment);
      value = value.replace(/\s+$/u, '');
      out.set(key, substitute(value, lookup));
      continue;
    }
    let escaped = false;
    let chars = '';
    let closed = -1;
    for (let i = 1; i < rest.length; i++) {
      const c = rest[i]!;
      if (c === '\n') line++;
      if (c !== quote) {
        if (!escaped && c === '\\') {
          escaped = true;
          continue;
        }
        if (escaped) {
          escaped = false;
          chars += '\\';
        }
        chars += c;
        continue;
      }
      if (escaped) {
        escaped = false;
        chars += c;
        continue;
      }
      closed = i;
      break;
    }
    if (closed < 0) {
      throw new DotenvError(line, `unterminated quoted value ${rest.split('\n')[0]}`);
    }
    out.set(key, quote === '"' ? substitute(expandEscapes(chars), lookup) : chars);
    rest = rest.slice(closed + 1);
  }
  return out;
}

const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '"': '"',
  '\\': '\\',
};

/** Backslash escapes in a double-quoted value; `\$` stays a literal dollar (`$$` for the template). */
function expandEscapes(value: string): string {
  return value.replace(/\\(?:[abcfnrtv$"\\]|0\d{0,3})/g, (match) => {
    if (match === '\\$') return '$$';
    if (match.startsWith('\\0')) {
      const digits = match.slice(2);
      return digits === '' ? '\0' : String.fromCharCode(parseInt(digits, 8));
    }
    return ESCAPES[match[1]!] ?? match;
  });
}
