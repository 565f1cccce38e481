import { sameAllowingFloatRounding } from './compare';

test('floats may differ by rounding; integers, text and shapes may not', () => {
  expect(sameAllowingFloatRounding([['a', '0.30000000000000004']], [['a', '0.3']])).toBe(true);
  expect(sameAllowingFloatRounding({ sum: 1.0000000000000002, n: '3' }, { sum: 1, n: '3' })).toBe(true);
  expect(sameAllowingFloatRounding('3', '3.0000000000000004')).toBe(true);
  expect(sameAllowingFloatRounding('1.5e+20', '1.5000000000000002e+20')).toBe(true);
  expect(sameAllowingFloatRounding('0.1', '0.1001')).toBe(false);
  expect(sameAllowingFloatRounding('0.1', '0.1001', 1e-2)).toBe(true);
  // A count one off is wrong however large.
  expect(sameAllowingFloatRounding('1000000000000', '1000000000001')).toBe(false);
  expect(sameAllowingFloatRounding(1_000_000_000_000, 1_000_000_000_001)).toBe(false);
  expect(sameAllowingFloatRounding('NaN', 'NaN')).toBe(true);
  expect(sameAllowingFloatRounding('NaN', '0.1')).toBe(false);
  expect(sameAllowingFloatRounding(['1'], ['1', '2'])).toBe(false);
  expect(sameAllowingFloatRounding(null, '0')).toBe(false);
});
