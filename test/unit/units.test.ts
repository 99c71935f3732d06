import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bytesSize,
  fromHumanSize,
  goFormatFloat,
  humanDuration,
  humanSize,
  humanSizeWithPrecision,
  parseSize,
  timeAgo,
} from '../../src/util/units.js';

describe('humanSize (docker images SIZE: decimal, 3 significant digits)', () => {
  const cases: [number, string][] = [
    [0, '0B'],
    [1, '1B'],
    [512, '512B'],
    [999, '999B'],
    [1000, '1kB'],
    [1234, '1.23kB'],
    [1125, '1.12kB'], // exact tie: Go rounds half to even
    [1135, '1.14kB'], // 1135/1000 is really 1.13500000000000000888...
    [1015, '1.01kB'], // 1015/1000 is really 1.01499999999999990230...
    [1175, '1.18kB'],
    [4_860_000, '4.86MB'],
    [5_613_568, '5.61MB'],
    [72_900_000, '72.9MB'],
    [187_000_000, '187MB'],
    [1_200_000_000, '1.2GB'],
    [999_999, '1e+03kB'], // Go's %.3g really prints this
    [2.5e12, '2.5TB'],
    [1e24, '1YB'],
    [1e27, '1e+03YB'],
  ];
  for (const [n, want] of cases) it(`${n} → ${want}`, () => assert.equal(humanSize(n), want));

  it('humanSizeWithPrecision uses %.Ng', () => {
    assert.equal(humanSizeWithPrecision(123_456_789, 4), '123.5MB');
    assert.equal(humanSizeWithPrecision(123_456_789, 2), '1.2e+02MB');
  });
});

describe('bytesSize (binary, 4 significant digits)', () => {
  const cases: [number, string][] = [
    [0, '0B'],
    [1023, '1023B'],
    [1024, '1KiB'],
    [44 * 1024, '44KiB'],
    [1.5 * 1024 * 1024, '1.5MiB'],
    [2.5 * 1024 ** 3, '2.5GiB'],
    [123456789, '117.7MiB'],
    [1024 ** 4, '1TiB'],
  ];
  for (const [n, want] of cases) it(`${n} → ${want}`, () => assert.equal(bytesSize(n), want));
});

describe('parseSize (go-units RAMInBytes)', () => {
  const ok: [string, number][] = [
    ['10', 10],
    ['0', 0],
    ['32b', 32],
    ['32B', 32],
    ['10k', 10240],
    ['10K', 10240],
    ['10kb', 10240],
    ['10KiB', 10240],
    ['1.5MB', 1572864],
    ['1.5m', 1572864],
    ['64GiB', 68719476736],
    ['1.5 GB', 1610612736],
    ['2t', 2 * 1024 ** 4],
    ['1p', 1024 ** 5],
    ['10 ', 10],
    ['1.9', 1],
    ['.5k', 512],
  ];
  for (const [s, want] of ok) it(`"${s}" → ${want}`, () => assert.equal(parseSize(s), want));

  const bad: [string, string][] = [
    ['', "invalid size: ''"],
    ['abc', "invalid size: 'abc'"],
    ['-1', "invalid size: '-1'"],
    ['10x', "invalid suffix: 'x'"],
    ['10kx', "invalid suffix: 'kx'"],
    ['10kbb', "invalid suffix: 'kbb'"],
    ['10bk', "invalid suffix: 'bk'"],
    ['10 mbytes', "invalid suffix: 'mbytes'"],
    ['1.2.3', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
    ['k10', 'strconv.ParseFloat: parsing "k10": invalid syntax'],
  ];
  for (const [s, msg] of bad) it(`"${s}" fails`, () => assert.throws(() => parseSize(s), { message: msg }));

  it('fromHumanSize is the decimal variant', () => {
    assert.equal(fromHumanSize('1.5MB'), 1_500_000);
    assert.equal(fromHumanSize('10k'), 10_000);
    assert.equal(fromHumanSize('32'), 32);
  });
});

describe('humanDuration (go-units HumanDuration)', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: [number, string][] = [
    [-5 * s, 'Less than a second'],
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [1 * s, '1 second'],
    [1999, '1 second'],
    [2 * s, '2 seconds'],
    [59 * s, '59 seconds'],
    [60 * s, 'About a minute'],
    [119 * s, 'About a minute'],
    [2 * m, '2 minutes'],
    [59 * m + 59 * s, '59 minutes'],
    [60 * m, 'About an hour'],
    [89 * m, 'About an hour'],
    [90 * m, '2 hours'], // rounded to the nearest hour
    [3 * h, '3 hours'],
    [47 * h, '47 hours'],
    [47 * h + 30 * m, '2 days'],
    [48 * h, '2 days'],
    [13 * d, '13 days'],
    [14 * d, '2 weeks'],
    [3 * 7 * d, '3 weeks'],
    [59 * d, '8 weeks'],
    [60 * d, '2 months'],
    [4 * 30 * d, '4 months'],
    [729 * d, '24 months'],
    [730 * d, '2 years'],
    [3 * 365 * d + 100 * d, '3 years'],
  ];
  for (const [ms, want] of cases) it(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));

  it('timeAgo appends " ago" and accepts Date, number and string', () => {
    const now = Date.UTC(2024, 5, 1, 12, 0, 0);
    assert.equal(timeAgo(new Date(now - 5 * 86_400_000), now), '5 days ago');
    assert.equal(timeAgo(now - 3 * 3_600_000, new Date(now)), '3 hours ago');
    assert.equal(timeAgo('2024-06-01T11:59:30Z', now), '30 seconds ago');
    assert.equal(timeAgo(now + 10_000, now), 'Less than a second ago');
  });
});

describe('goFormatFloat (strconv.FormatFloat)', () => {
  const cases: [number, 'e' | 'E' | 'f' | 'g' | 'G', number, string][] = [
    [1e6, 'g', -1, '1e+06'],
    [123456, 'g', -1, '123456'],
    [0.0001, 'g', -1, '0.0001'],
    [0.00001, 'g', -1, '1e-05'],
    [0, 'g', -1, '0'],
    [-2.5, 'g', -1, '-2.5'],
    [1.125, 'g', 3, '1.12'],
    [1.375, 'g', 3, '1.38'],
    [999.999, 'g', 3, '1e+03'],
    [100, 'g', 3, '100'],
    [1.2, 'g', 3, '1.2'],
    [3.14159, 'f', 2, '3.14'],
    [0.5, 'f', 0, '0'],
    [1.5, 'f', 0, '2'],
    [0.001, 'f', 1, '0.0'],
    [0.96, 'f', 1, '1.0'],
    [123456, 'e', 3, '1.235e+05'],
    [5e-324, 'e', -1, '5e-324'],
    [1.7976931348623157e308, 'g', -1, '1.7976931348623157e+308'],
    [0, 'e', 2, '0.00e+00'],
    [-0, 'f', 1, '-0.0'],
    [Infinity, 'f', 2, '+Inf'],
    [-Infinity, 'g', -1, '-Inf'],
    [NaN, 'g', -1, 'NaN'],
    [255, 'E', 1, '2.6E+02'],
    [1e21, 'G', -1, '1E+21'],
  ];
  for (const [x, verb, prec, want] of cases) {
    it(`${x} %${verb} prec ${prec} → ${want}`, () => assert.equal(goFormatFloat(x, verb, prec), want));
  }
});
