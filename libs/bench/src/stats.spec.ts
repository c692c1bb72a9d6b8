import { median, perItem, perSecond, quantile, round } from './stats';

describe('bench statistics', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('interpolates quantiles between the nearest ranks, the median at 0.5', () => {
    const xs = [40, 10, 30, 20, 50];
    expect(quantile(xs, 0.5)).toBe(median(xs));
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile(xs, 0)).toBe(10);
    expect(quantile(xs, 1)).toBe(50);
    expect(quantile(xs, 0.95)).toBeCloseTo(48, 10);
    expect(quantile([7], 0.95)).toBe(7);
    expect(xs).toEqual([40, 10, 30, 20, 50]);
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile(xs, 1.5)).toThrow(RangeError);
  });

  it('turns counts and milliseconds into rates, with no division by zero', () => {
    expect(perSecond(15, 1500)).toBe(10);
    expect(perSecond(0, 1500)).toBe(0);
    expect(perSecond(3, 0)).toBe(0);
    expect(perItem(100, 4)).toBe(25);
    expect(perItem(100, 0)).toBeNull();
    expect(round(1.23456)).toBe(1.23);
    expect(round(1.23456, 3)).toBe(1.235);
  });
});
