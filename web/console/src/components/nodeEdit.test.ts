import { describe, expect, it } from 'vitest';
import { formatLabels, labelChanges, parseLabels, parseTaints } from './nodeEdit';

describe('node labels', () => {
  it('round-trips the text form, sorted', () => {
    const text = formatLabels({ zone: 'a', 'kubernetes.io/os': 'linux' });
    expect(text).toBe('kubernetes.io/os=linux\nzone=a');
    expect(parseLabels(text)).toEqual({ labels: { zone: 'a', 'kubernetes.io/os': 'linux' }, errors: [] });
  });

  it('reports bad keys, values and duplicates by line, skipping blanks and comments', () => {
    const { errors } = parseLabels('# mine\nok=1\n\n-bad=1\ngood=not ok\nok=2');
    expect(errors).toEqual([
      { line: 4, message: '"-bad" is not a valid key' },
      { line: 5, message: '"not ok" is not a valid value' },
      { line: 6, message: '"ok" is set twice' },
    ]);
  });

  it('sends only what changed, and removes what was dropped', () => {
    expect(labelChanges({ a: '1', b: '2', c: '3' }, { a: '1', b: 'x', d: '4' })).toEqual({ labels: { b: 'x', d: '4' }, remove: ['c'] });
    expect(labelChanges(null, {})).toEqual({ labels: {}, remove: [] });
  });
});

describe('node taints', () => {
  it('parses the form the cluster page lists, with or without a value', () => {
    expect(parseTaints('dedicated=gpu:NoSchedule\nspot:PreferNoSchedule\nx=:NoExecute')).toEqual({
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'spot', effect: 'PreferNoSchedule' }, { key: 'x', effect: 'NoExecute' }],
      errors: [],
    });
  });

  it('reports a missing or unknown effect and duplicates by line', () => {
    const { errors } = parseTaints('a=1\nb=2:Sometimes\nc:NoSchedule\nc=3:NoSchedule');
    expect(errors.map((e) => e.line)).toEqual([1, 2, 4]);
    expect(errors[1].message).toContain('NoSchedule, PreferNoSchedule, NoExecute');
  });

  it('an empty text clears every taint', () => {
    expect(parseTaints('\n  \n')).toEqual({ taints: [], errors: [] });
  });
});
