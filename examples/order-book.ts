// A live order book over WebSocket that checks seqId continuity and checksums and resyncs by itself.
import { OkxWsClient, startSimulator } from 'okxkit';

const sim = await startSimulator({ seed: 2 });
const ws = new OkxWsClient({ baseUrl: sim.restUrl });
const live = ws.orderBook('BTC-USDT'); // 'books': 400 levels, snapshot then 100 ms updates
await live.ready;

let updates = 0;
await new Promise<void>((resolve) => {
  live.on('change', () => {
    if (++updates === 10) resolve();
  });
});
const bid = live.book.bestBid();
const ask = live.book.bestAsk();
console.log(
  `after ${updates} updates: best bid ${bid?.[0]} x ${bid?.[1]}, best ask ${ask?.[0]} x ${ask?.[1]}, spread ${live.book.spread()}`,
);
console.log(`resyncs: ${live.resyncs}`);

await ws.close();
await sim.close();
