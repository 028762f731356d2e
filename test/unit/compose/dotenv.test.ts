import { describe, expect, it } from 'vitest';
import { DotenvError, parseDotenv } from '../../../src/compose/dotenv.js';

const env: Record<string, string> = { HOME_DIR: '/home/x', SHARED: 'from-env' };
const read = (text: string): Record<string, string> =>
  Object.fromEntries(parseDotenv(text, (name) => env[name]));

describe('.env as Compose reads it', () => {
  it('reads the forms compose-go reads', () => {
    expect(
      read(
        [
          '# a comment',
          '',
          'PLAIN=value',
          'SPACED = padded  ',
          'export EXPORTED=yes',
          'COLON: c',
          'COMMENTED=value # a comment',
          'HASH=a#b',
          "SINGLE='kept ${HOME_DIR} \\n'",
          'DOUBLE="line\\nbreak ${HOME_DIR}"',
          'DOLLAR="\\$HOME_DIR"',
          'REF=${PLAIN}-x',
          'DEFAULTED=${UNSET:-fallback}',
          'SHARED',
          'NOT_IN_ENV',
          'EMPTY=',
        ].join('\n'),
      ),
    ).toEqual({
      PLAIN: 'value',
      SPACED: 'padded',
      EXPORTED: 'yes',
      COLON: 'c',
      COMMENTED: 'value',
      HASH: 'a#b',
      SINGLE: 'kept ${HOME_DIR} \\n',
      DOUBLE: 'line\nbreak /home/x',
      DOLLAR: '$HOME_DIR',
      REF: 'value-x',
      DEFAULTED: 'fallback',
      SHARED: 'from-env',
      EMPTY: '',
    });
  });

  it('takes a variable of the environment before one set earlier in the file', () => {
    expect(read('SHARED=file\nUSE=${SHARED}')).toEqual({ SHARED: 'file', USE: 'from-env' });
  });

  it('reads a multi-line double-quoted value', () => {
    expect(read('CERT="a\nb"\nNEXT=1')).toEqual({ CERT: 'a\nb', NEXT: '1' });
  });

  it.each([
    ['BAD KEY=1', 2, /key cannot contain a space/],
    ['OK=1\nBAD$=2', 2, /unexpected character "\$"/],
    ['Q="open\nmore', 2, /unterminated quoted value/],
  ])('refuses %j with the line', (text, line, message) => {
    let error: unknown;
    try {
      parseDotenv(text.startsWith('BAD KEY') ? `OK=1\n${text}` : text, () => undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DotenvError);
    expect((error as DotenvError).line).toBe(line);
    expect((error as Error).message).toMatch(message);
  });
});
