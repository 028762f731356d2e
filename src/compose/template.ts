/**
 * Compose's variable substitution in one string, as compose-go's template package does it:
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`,
 * `${VAR:?error}`, `${VAR?error}`, nested defaults (`${A:-${B}}`) and `$$` for a literal `$`.
 * Names are matched case-insensitively by the pattern, looked up exactly. See docs/compose.md.
 */

/** Looks a variable up; undefined when it is not set (an empty string is set). */
export type Lookup = (name: string) => string | undefined;

/** `${VAR:?reason}` on an unset (or empty) variable: Compose stops with this. */
export class RequiredVariableError extends Error {
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(
      reason === ''
        ? `required variable ${variable} is missing a value`
        : `required variable ${variable} is missing a value: ${reason}`,
    );
  }
}

/** A `$` that starts no valid substitution (`${}`, `${1X}`, `${A B}`): Compose stops with this. */
export class InvalidTemplateError extends Error {
  constructor(readonly template: string) {
    super(`invalid interpolation format: ${template}`);
  }
}

// compose-go's DefaultPattern: \$(?i:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)|{(?:(?P<braced>[_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|(?P<invalid>)))
const PATTERN_SOURCE = String.raw`\$(?:(\$)|([_a-z][_a-z0-9]*)|\{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)\}|()))`;
const GLOBAL_PATTERN = new RegExp(PATTERN_SOURCE, 'gi');
const PATTERN = new RegExp(PATTERN_SOURCE, 'i');

type Substitution = (
  substitution: string,
  lookup: Lookup,
  unset: (name: string) => void,
) => string | undefined;

/**
 * Substitutes every variable in `template`. `unset` is told each variable that was looked up
 * and not set (Compose warns and uses an empty string). Throws RequiredVariableError or
 * InvalidTemplateError as Compose fails.
 */
export function substitute(
  template: string,
  lookup: Lookup,
  unset: (name: string) => void = () => {},
): string {
  if (!template.includes('$')) return template;
  return template.replace(GLOBAL_PATTERN, (match) => replaceMatch(match, template, lookup, unset));
}

function replaceMatch(
  match: string,
  template: string,
  lookup: Lookup,
  unset: (name: string) => void,
): string {
  // Chosen on the whole match, as compose-go does, before it is cut at the first closing brace.
  const operator = firstOperator(match);
  const closing = firstBraceClosingIndex(match);
  let rest = '';
  let substring = match;
  if (closing > -1) {
    rest = match.slice(closing + 1);
    substring = match.slice(0, closing + 1);
  }
  const groups = PATTERN.exec(substring);
  if (!groups) throw new InvalidTemplateError(template);
  if (groups[1] !== undefined) return '$';
  let name = groups[2];
  const braced = name === undefined;
  if (braced) name = groups[3];
  if (name === undefined || name === '') throw new InvalidTemplateError(template);
  if (braced && operator) {
    const value = operator(name, lookup, unset);
    if (value !== undefined) return value + substitute(rest, lookup, unset);
  }
  const value = lookup(name);
  if (value === undefined) {
    unset(name);
    return '';
  }
  return value;
}

/** The operator that appears first in the match (compose-go sorts its table by index). */
function firstOperator(match: string): Substitution | undefined {
  let best: { index: number; fn: Substitution } | undefined;
  for (const [separator, fn] of OPERATORS) {
    const index = match.indexOf(separator);
    if (index >= 0 && (!best || index < best.index)) best = { index, fn };
  }
  return best?.fn;
}

function firstBraceClosingIndex(s: string): number {
  let open = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '}') {
      open--;
      if (open === 0) return i;
    }
    if (s[i] === '{') {
      open++;
      i++;
    }
  }
  return -1;
}

/** Splits at the first separator (the name before it is a plain variable name, by the pattern). */
function partition(s: string, separator: string): [string, string] {
  const at = s.indexOf(separator);
  return at < 0 ? [s, ''] : [s.slice(0, at), s.slice(at + separator.length)];
}

const withDefault =
  (separator: string, emptyCounts: boolean): Substitution =>
  (substitution, lookup, unset) => {
    if (!substitution.includes(separator)) return undefined;
    const [name, fallback] = partition(substitution, separator);
    const value = lookup(name);
    if (value === undefined || (emptyCounts && value === '')) return substitute(fallback, lookup, unset);
    return value;
  };

const withAlternative =
  (separator: string, emptyCounts: boolean): Substitution =>
  (substitution, lookup, unset) => {
    if (!substitution.includes(separator)) return undefined;
    const [name, alternative] = partition(substitution, separator);
    const value = lookup(name);
    if (value !== undefined && (!emptyCounts || value !== '')) return substitute(alternative, lookup, unset);
    return value ?? '';
  };

const required =
  (separator: string, emptyCounts: boolean): Substitution =>
  (substitution, lookup, unset) => {
    if (!substitution.includes(separator)) return undefined;
    const [name, reason] = partition(substitution, separator);
    const value = lookup(name);
    if (value === undefined || (emptyCounts && value === '')) {
      throw new RequiredVariableError(name, substitute(reason, lookup, unset));
    }
    return value;
  };

// compose-go's order, which decides ties (none: separators at one index are prefixes of each other).
const OPERATORS: [string, Substitution][] = [
  [':?', required(':?', true)],
  ['?', required('?', false)],
  [':-', withDefault(':-', true)],
  ['-', withDefault('-', false)],
  [':+', withAlternative(':+', true)],
  ['+', withAlternative('+', false)],
];
