import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { KEY, ok, startFakeOkx, type Received } from './fake-okx.js';

const run = runCli;

const position = (instId: string, pos: string) => ({
  instType: 'SWAP',
  instId,
  posId: `${instId}-1`,
  mgnMode: 'cross',
  posSide: 'net',
  pos,
  avgPx: '50000',
  markPx: '50100',
  liqPx: '80000',
  lever: '3',
  upl: '-1',
  mgnRatio: '12',
  cTime: '1',
  uTime: '1',
});

test('position, algo and account leverage/mode commands send what OKX expects and print the answers', async (t) => {
  const okx = await startFakeOkx(t);
  const algos: Array<Record<string, string>> = [];
  let lever = '3';
  let posMode = 'net_mode';
  okx.handle((r: Received) => {
    const body = r.body ? (JSON.parse(r.body) as Record<string, string>) : {};
    switch (`${r.method} ${r.path}`) {
      case 'GET /api/v5/account/positions':
        return ok([position('BTC-USDT-SWAP', '-2'), position('ETH-USDT-SWAP', '0')]);
      case 'POST /api/v5/trade/close-position':
        return ok([{ instId: body.instId, posSide: 'net' }]);
      case 'POST /api/v5/trade/order-algo':
        // OKX lists every field as a string (reduceOnly "true")
        algos.push({
          ...Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)])),
          algoId: String(100 + algos.length),
          state: 'live',
          cTime: '1700000000000',
        });
        return ok([{ algoId: String(99 + algos.length), algoClOrdId: '', sCode: '0', sMsg: '' }]);
      case 'GET /api/v5/trade/orders-algo-pending': {
        const types = (r.query.get('ordType') ?? '').split(',');
        return ok(algos.filter((a) => types.includes(a.ordType!)));
      }
      case 'POST /api/v5/trade/cancel-algos':
        return ok([
          { algoId: (JSON.parse(r.body) as Array<{ algoId: string }>)[0]!.algoId, sCode: '0', sMsg: '' },
        ]);
      case 'POST /api/v5/account/set-leverage':
        lever = body.lever!;
        return ok([{ instId: body.instId, mgnMode: body.mgnMode, posSide: '', lever }]);
      case 'GET /api/v5/account/leverage-info':
        return ok([{ instId: r.query.get('instId'), mgnMode: r.query.get('mgnMode'), posSide: '', lever }]);
      case 'POST /api/v5/account/set-position-mode':
        posMode = body.posMode!;
        return ok([{ posMode }]);
      case 'GET /api/v5/account/config':
        return ok([{ uid: '1', acctLv: '2', posMode, perm: 'read_only,trade', ip: '', label: 'x' }]);
    }
    return undefined;
  });
  const env = {
    OKX_API_KEY: KEY.apiKey,
    OKX_SECRET_KEY: KEY.secretKey,
    OKX_PASSPHRASE: KEY.passphrase,
    OKX_BASE_URL: okx.url,
  };

  const list = await run(['position', 'list', '--json'], env);
  assert.equal(list.code, 0, list.err);
  const rows = JSON.parse(list.out) as Array<{ instId: string; pos: string }>;
  assert.deepEqual(
    rows.map((p) => [p.instId, p.pos]),
    [['BTC-USDT-SWAP', '-2']],
    'flat positions are left out',
  );

  const close = await run(['position', 'close', '--inst', 'BTC-USDT-SWAP'], env);
  assert.equal(close.code, 0, close.err);
  assert.deepEqual(JSON.parse(okx.requests.at(-1)!.body), {
    instId: 'BTC-USDT-SWAP',
    mgnMode: 'cross',
    autoCxl: true,
  });

  const place = await run(
    [
      'algo',
      'place',
      '--inst',
      'BTC-USDT-SWAP',
      '--side',
      'buy',
      '--sz',
      '2',
      '--sl-trigger-px',
      '52000',
      '--reduce-only',
    ],
    env,
  );
  assert.equal(place.code, 0, place.err);
  assert.match(place.out, /algo order placed: 100/);
  assert.deepEqual(JSON.parse(okx.requests.at(-1)!.body), {
    instId: 'BTC-USDT-SWAP',
    side: 'buy',
    ordType: 'conditional',
    tdMode: 'cross',
    sz: '2',
    reduceOnly: true,
    slTriggerPx: '52000',
    slOrdPx: '-1',
  });
  const trail = await run(
    [
      'algo',
      'place',
      '--inst',
      'BTC-USDT-SWAP',
      '--side',
      'buy',
      '--type',
      'move_order_stop',
      '--sz',
      '2',
      '--callback-ratio',
      '0.02',
    ],
    env,
  );
  assert.equal(trail.code, 0, trail.err);

  const algoList = await run(['algo', 'list', '--json'], env);
  assert.equal(algoList.code, 0, algoList.err);
  assert.deepEqual(
    (JSON.parse(algoList.out) as Array<{ algoId: string; ordType: string }>).map((a) => [
      a.algoId,
      a.ordType,
    ]),
    [
      ['100', 'conditional'],
      ['101', 'move_order_stop'],
    ],
  );
  const cancel = await run(['algo', 'cancel', '--inst', 'BTC-USDT-SWAP', '--algo-id', '100'], env);
  assert.equal(cancel.code, 0, cancel.err);
  assert.equal(okx.requests.at(-1)!.body, '[{"instId":"BTC-USDT-SWAP","algoId":"100"}]');

  const lev = await run(['account', 'leverage', '--inst', 'BTC-USDT-SWAP', '--set', '5', '--json'], env);
  assert.equal(lev.code, 0, lev.err);
  assert.equal((JSON.parse(lev.out) as Array<{ lever: string }>)[0]!.lever, '5');

  const mode = await run(['account', 'mode', '--pos-mode', 'long_short_mode', '--json'], env);
  assert.equal(mode.code, 0, mode.err);
  assert.deepEqual(JSON.parse(mode.out), { acctLv: '2', posMode: 'long_short_mode' });
  const table = await run(['account', 'mode'], env);
  assert.match(table.out, /acctLv\s+2 \(spot and futures/);
});

test('algo place without a trigger names the missing flag; nothing is sent', async (t) => {
  const okx = await startFakeOkx(t);
  const env = {
    OKX_API_KEY: KEY.apiKey,
    OKX_SECRET_KEY: KEY.secretKey,
    OKX_PASSPHRASE: KEY.passphrase,
    OKX_BASE_URL: okx.url,
  };
  const r = await run(['algo', 'place', '--inst', 'BTC-USDT-SWAP', '--side', 'sell', '--sz', '1'], env);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /--sl-trigger-px/);
  const lev = await run(['account', 'leverage', '--inst', 'BTC-USDT-SWAP', '--set', 'lots'], env);
  assert.notEqual(lev.code, 0);
  assert.match(lev.err, /--set/);
  assert.equal(okx.requests.length, 0);
});
