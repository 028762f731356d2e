/**
 * Characters a terminal acts on or hides instead of showing: the C0 and C1 control characters
 * and DEL (an escape sequence can erase or rewrite a line of a plan), and the Unicode format
 * characters that reorder or hide text (bidirectional controls, zero-width characters, line and
 * paragraph separators, the byte-order mark).
 */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with every such character written as an escape (`\n`, `\r`, `\t`, `\x1b`, `\u202e`), so
 * that what the engine or a spec holds is shown, never acted on (docs/plan.md, "Reading a
 * plan"). The one escaping of every human output: plan text, the apply report and progress
 * lines, diagnostics, errors. JSON output needs none (JSON escapes control characters itself),
 * and export writes YAML, which quotes and escapes them.
 */
export function printable(text: string): string {
  UNPRINTABLE.lastIndex = 0;
  if (!UNPRINTABLE.test(text)) return text;
  return text.replace(UNPRINTABLE, (ch) => {
    const named = NAMED[ch];
    if (named !== undefined) return named;
    const code = ch.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
