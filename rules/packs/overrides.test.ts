import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { RwError } from '../../core/errors.ts';
import { loadOverrides, parseOverrides } from './overrides.ts';

function refused(text: string): string {
  try {
    parseOverrides(text, 'rules.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(RwError);
    expect((err as RwError).code).toBe('RW_ERR_CONFIG');
    return (err as Error).message;
  }
  throw new Error('expected the overrides to be refused');
}

describe('parseOverrides', () => {
  it('accepts the demo file config/rules.yaml', () => {
    const o = loadOverrides(fileURLToPath(new URL('../../config/rules.yaml', import.meta.url)));
    expect(o.version).toBeGreaterThanOrEqual(1);
    expect(o.overrides.length).toBeGreaterThan(0);
  });

  it('accepts an empty list (defaults everywhere)', () => {
    expect(parseOverrides('version: 1\n', 'rules.yaml')).toEqual({ version: 1, overrides: [] });
  });

  const bad: { why: string; text: string; says: string[] }[] = [
    {
      why: 'an unknown rule id is named with the file, the entry index, the path and the line',
      text: 'version: 1\noverrides:\n  - enterprise: e1\n    rule: gas_combustible.threshold\n    params: {}\n    source: ok\n  - enterprise: e1\n    rule: gas_combustible.nope\n    params: {}\n    source: x\n',
      says: ['rules.yaml:8: overrides[1].rule', 'not a rule of any pack'],
    },
    {
      why: 'an entry must change something: params or disabled',
      text: 'version: 1\noverrides:\n  - { enterprise: e1, rule: gas_combustible.rise, source: x }\n',
      says: ['overrides[0]', 'give `params` or `disabled: true`'],
    },
    {
      why: 'a disabled rule takes no params',
      text: 'version: 1\noverrides:\n  - { enterprise: e1, rule: gas_combustible.rise, disabled: true, params: { a: 1 }, source: x }\n',
      says: ['overrides[0].disabled', 'takes no params'],
    },
    {
      why: 'type and rule must agree',
      text: 'version: 1\noverrides:\n  - { enterprise: e1, type: gas_h2s, rule: gas_co.threshold, params: {}, source: x }\n',
      says: ['overrides[0].type', 'belongs to type gas_co'],
    },
    {
      why: 'every override cites its source (it goes into every alert of the rule)',
      text: 'version: 1\noverrides:\n  - { enterprise: e1, rule: gas_co.threshold, params: {} }\n',
      says: ['overrides[0].source'],
    },
    {
      why: 'the version is a positive integer (alerts cite it as ruleVersion)',
      text: 'version: 0\n',
      says: ['version'],
    },
    {
      why: 'unknown keys are refused (a typo must not be ignored)',
      text: 'version: 1\noverrides:\n  - { enterprise: e1, rule: gas_co.threshold, params: {}, source: x, sensr: co-1 }\n',
      says: ['overrides[0]', 'sensr'],
    },
    {
      why: 'YAML syntax errors carry the line',
      text: 'version: 1\noverrides:\n  - { enterprise: e1\n',
      says: ['rules.yaml:'],
    },
  ];
  for (const c of bad) {
    it(`refuses: ${c.why}`, () => {
      const msg = refused(c.text);
      for (const s of c.says) expect(msg).toContain(s);
    });
  }

  it('refuses a missing file with its name', () => {
    expect(() => loadOverrides('/nonexistent/rules.yaml')).toThrow(/\/nonexistent\/rules\.yaml/);
  });

  it('accepts site roll-up rule ids with their item suffix', () => {
    const o = parseOverrides('version: 2\noverrides:\n  - { enterprise: e1, site: s1, rule: tailings_pond.item.phreatic, params: { ladder: { blue: 3 } }, source: 设计院 }\n', 'rules.yaml');
    expect(o.overrides[0]?.rule).toBe('tailings_pond.item.phreatic');
  });
});
