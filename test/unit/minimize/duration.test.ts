import { describe, expect, it } from '@jest/globals';
import { parseDuration } from '../../../src/commands/minimize.js';

describe('--budget-time durations', () => {
  it('reads seconds, minutes, hours and their sums', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('2h')).toBe(7200);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('1.5h')).toBe(5400);
  });

  it('refuses anything else with one message naming the flag', () => {
    for (const bad of ['', 'soon', '30x', '30m junk', '-5m'])
      expect(() => parseDuration(bad)).toThrow(/--budget-time .*: expected a duration/);
  });
});
