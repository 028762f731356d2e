import { describe, expect, it } from 'vitest';
import { InvalidTemplateError, RequiredVariableError, substitute } from '../../../src/compose/template.js';

/** compose-go's template semantics (template/template.go and its tests), case by case. */
const ENV: Record<string, string> = { FOO: 'first', BAR: '', lower: 'low', NESTED: 'n' };
const lookup = (name: string): string | undefined => ENV[name];

describe('Compose variable substitution', () => {
  it.each([
    ['no variables', 'plain text', 'plain text'],
    ['$VAR', 'a $FOO b', 'a first b'],
    ['${VAR}', 'a ${FOO}b', 'a firstb'],
    ['lower-case names', '${lower}', 'low'],
    ['unset is empty', '[${MISSING}]', '[]'],
    ['$$ is a literal $', '$$FOO costs $$5', '$FOO costs $5'],
    ['$ before a digit stays', 'cost $5', 'cost $5'],
    ['a lone $ stays', 'a $ b', 'a $ b'],
    [':- when unset', '${MISSING:-dflt}', 'dflt'],
    [':- when empty', '${BAR:-dflt}', 'dflt'],
    [':- when set', '${FOO:-dflt}', 'first'],
    ['- when unset', '${MISSING-dflt}', 'dflt'],
    ['- keeps empty', '[${BAR-dflt}]', '[]'],
    [':+ when set', '${FOO:+alt}', 'alt'],
    [':+ when empty', '[${BAR:+alt}]', '[]'],
    ['+ when empty', '${BAR+alt}', 'alt'],
    ['+ when unset', '[${MISSING+alt}]', '[]'],
    ['nested default', '${MISSING:-${FOO}}', 'first'],
    ['nested default twice', '${MISSING:-${ALSO:-${NESTED}}}-x', 'n-x'],
    ['default with a hyphen', '${MISSING:-a-b}', 'a-b'],
    ['default then more', '${MISSING:-10.0.42.0}/24 ${FOO}', '10.0.42.0/24 first'],
    ['two defaults', '${A:-1}.${B:-2}', '1.2'],
    ['? when set', '${FOO?err}', 'first'],
    [':? when set', '${FOO:?err}', 'first'],
  ])('%s', (_, template, expected) => {
    expect(substitute(template, lookup)).toBe(expected);
  });

  it('reports each unset variable it substitutes', () => {
    const unset: string[] = [];
    substitute('${A} $B ${C:-x} ${FOO}', lookup, (name) => unset.push(name));
    expect(unset).toEqual(['A', 'B']);
  });

  it.each([
    ['${MISSING:?the reason}', 'MISSING', 'the reason'],
    ['${BAR:?empty too}', 'BAR', 'empty too'],
    ['${MISSING?}', 'MISSING', ''],
    ['${MISSING:?need ${FOO}}', 'MISSING', 'need first'],
  ])('%s fails as a missing required variable', (template, variable, reason) => {
    let error: unknown;
    try {
      substitute(template, lookup);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RequiredVariableError);
    expect(error).toMatchObject({ variable, reason });
  });

  it('keeps an empty value for ? (only unset fails)', () => {
    expect(substitute('[${BAR?err}]', lookup)).toBe('[]');
  });

  it.each(['${}', '${1X}', '${A B}', '${FOO', 'x ${!x}'])('%s is an invalid template', (template) => {
    expect(() => substitute(template, lookup)).toThrow(InvalidTemplateError);
  });
});
