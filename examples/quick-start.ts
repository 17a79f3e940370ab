// Quick start: the REST client against the embedded local exchange. Against OKX, drop the
// simulator and build the client with `clientFromEnv()` (OKX_API_KEY, OKX_SECRET_KEY, OKX_PASSPHRASE).
import { OkxClient, startSimulator } from 'okxkit';

const sim = await startSimulator({ seed: 1 }); // OKX V5 REST + WebSocket on 127.0.0.1, fake keys
const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') });

const { offsetMs } = await client.syncClock(); // signatures use the server's clock from now on
const ticker = await client.market.ticker('BTC-USDT');
const balance = await client.account.balance('USDT');
console.log(
  `clock offset ${offsetMs} ms; BTC-USDT last ${ticker.last}; USDT available ${balance.details[0]?.availBal}`,
);

// A limit buy far below the market, looked up by its clOrdId, then canceled.
const placed = await client.trade.placeOrder({
  instId: 'BTC-USDT',
  tdMode: 'cash',
  side: 'buy',
  ordType: 'limit',
  px: '20000',
  sz: '0.001',
  clOrdId: 'quickstart1',
});
const order = await client.trade.getOrder({ instId: 'BTC-USDT', clOrdId: 'quickstart1' });
console.log(`order ${placed.ordId} is ${order.state}`);
await client.trade.cancelOrder({ instId: 'BTC-USDT', ordId: placed.ordId });
const after = await client.trade.getOrder({ instId: 'BTC-USDT', ordId: placed.ordId });
console.log(`after cancel: ${after.state}`);

await sim.close();
