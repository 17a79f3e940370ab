// Child process of the crash test: journal an intent, send it, and wait for a response that
// never comes (the parent SIGKILLs this process as soon as the exchange has the order).
import { OrderJournal } from '../../src/trading/journal.js';
import { Executor } from '../../src/trading/executor.js';
import { HttpVenue } from './http-venue.js';

const [journalPath, base] = process.argv.slice(2);
const journal = new OrderJournal(journalPath!);
const exec = new Executor({ venue: new HttpVenue(base!), journal, expWindowMs: 2_000 });
await exec.place({ instId: 'BTC-USDT', side: 'buy', ordType: 'post_only', px: '30000', sz: '0.001' });
process.stdout.write('UNEXPECTED: got a response\n');
