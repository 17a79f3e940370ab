import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflatedSharpe, normCdf, normInv, probabilityOfOverfitting } from '../../src/backtest/overfit.js';
import {
  gridCandidates,
  parseParamFlag,
  parseSpace,
  randomCandidates,
  score,
} from '../../src/backtest/optimize.js';

const near = (a: number, b: number, eps: number) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

describe('over-fit guards, checked by hand', () => {
  test('normal CDF and its inverse against the tables', () => {
    near(normCdf(0), 0.5, 1e-9);
    near(normCdf(1.96), 0.9750021048517796, 2e-7);
    near(normCdf(3), 0.9986501019683699, 2e-7);
    near(normInv(0.99), 2.3263478740408408, 1e-8);
    near(normInv(0.01), -2.3263478740408408, 1e-8);
  });

  test('PBO is 0 when the same configuration wins in and out of sample', () => {
    // Config 0 earns more every day; the others less: the in-sample winner always wins out of sample.
    const days = 16;
    const mk = (m: number) => Array.from({ length: days }, (_, i) => m + (i % 2 ? 0.01 : -0.01));
    const p = probabilityOfOverfitting([mk(0.005), mk(0.001), mk(-0.002)], 4);
    assert.equal(p.splits, 6); // C(4, 2)
    assert.equal(p.pbo, 0);
  });

  test('PBO is 1 when the in-sample winner is always the out-of-sample loser', () => {
    // Two blocks: A is good in the first and bad in the second, B the reverse. Choosing on either
    // block picks the one that loses on the other: both splits have logit < 0.
    const good = [0.02, 0.01, 0.02, 0.01];
    const bad = [-0.02, -0.01, -0.02, -0.01];
    const p = probabilityOfOverfitting(
      [
        [...good, ...bad],
        [...bad, ...good],
      ],
      2,
    );
    assert.equal(p.splits, 2);
    assert.equal(p.pbo, 1);
    // rank 1 of 2 -> w = 1/3 -> logit ln(1/2)
    for (const l of p.logits) near(l, Math.log(0.5), 1e-12);
  });

  test('deflated Sharpe: one trial is not deflated; Sharpe 1.732 over 4 days gives z = 3', () => {
    // returns 1 %, 3 %, 1 %, 3 %: mean 2 %, sample sd 1.1547 %: Sharpe sqrt(3); skew 0, kurtosis 1
    const d = deflatedSharpe([0.01, 0.03, 0.01, 0.03], [Math.sqrt(3)]);
    near(d.sharpe, Math.sqrt(3), 1e-12);
    assert.equal(d.expectedMaxSharpe, 0);
    near(d.dsr, 0.9986501019683699, 2e-7);
  });

  test('deflated Sharpe: the luck benchmark of 100 trials with Sharpe variance 100/99 is 2.5434', () => {
    const trials = Array.from({ length: 100 }, (_, i) => (i % 2 ? 1 : -1));
    const d = deflatedSharpe([0.01, 0.03, 0.01, 0.03], trials);
    near(d.expectedMaxSharpe, 2.5433516030720624, 1e-6);
    assert.ok(d.dsr < 0.5, `a Sharpe of 1.73 is below what 100 trials reach by luck: ${d.dsr}`);
  });
});

describe('parameter space', () => {
  test('lists, ranges and the --param flag', () => {
    assert.deepEqual(parseSpace({ a: [1, 2], b: { from: 1, to: 2, step: 0.5 } }), {
      a: [1, 2],
      b: [1, 1.5, 2],
    });
    assert.deepEqual(parseParamFlag('fast=5,10'), ['fast', [5, 10]]);
    assert.deepEqual(parseParamFlag('slow=20:40:10'), ['slow', [20, 30, 40]]);
    assert.throws(() => parseSpace({ a: { from: 2, to: 1, step: 1 } }), /space\.a/);
  });

  test('grid search tries every combination; random search draws distinct ones, the same for a seed', () => {
    const space = { a: [1, 2, 3], b: [10, 20, 30, 40] };
    assert.equal(gridCandidates(space).length, 12);
    const r1 = randomCandidates(space, 5, 7);
    assert.equal(r1.length, 5);
    assert.equal(new Set(r1.map((c) => JSON.stringify(c))).size, 5);
    assert.deepEqual(randomCandidates(space, 5, 7), r1);
  });

  test('objective scores of daily returns', () => {
    near(score([0.1, -0.1], 'return'), 1.1 * 0.9 - 1, 1e-12);
    near(score([0.01, 0.03], 'sharpe'), (0.02 / Math.sqrt(0.0002)) * Math.sqrt(365), 1e-9);
  });
});
