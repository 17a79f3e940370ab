import { z } from 'zod';
import type { SUBACCOUNT } from '../endpoints/subaccount.js';
import { accountBalanceSchema } from '../schemas/account.js';
import { assetBalanceSchema } from '../schemas/asset.js';
import { anyRow, o, pageFields, q, req, row, s, spec } from './spec.js';
import type { ApiSpec } from './spec.js';

export const subAccountSchema = row({
  subAcct: s,
  type: o,
  enable: z.boolean().optional(),
  label: o,
  uid: o,
  ts: o,
  frozenFunc: z.array(z.string()).optional(),
});
const billRow = row({ billId: s, ccy: s, amt: o, type: o, subAcct: o, subUid: o, ts: s });

export const SUBACCOUNT_API = {
  'subaccount.list': spec(
    q({ enable: req.opt, subAcct: req.opt, uid: req.opt, ...pageFields }),
    subAccountSchema,
  ),
  'subaccount.apiKeys': spec(
    q({ subAcct: req.str, apiKey: req.opt }),
    row({ label: o, apiKey: o, perm: o, ip: o, ts: o }),
  ),
  'subaccount.tradingBalances': spec(q({ subAcct: req.str }), accountBalanceSchema),
  'subaccount.fundingBalances': spec(q({ subAcct: req.str, ccy: req.opt }), assetBalanceSchema),
  'subaccount.maxWithdrawal': spec(
    q({ subAcct: req.str, ccy: req.opt }),
    row({ ccy: s, maxWd: s, maxWdEx: o }),
  ),
  'subaccount.bills': spec(q({ ccy: req.opt, type: req.opt, subAcct: req.opt, ...pageFields }), billRow),
  'subaccount.managedBills': spec(
    q({ ccy: req.opt, type: req.opt, subAcct: req.opt, subUid: req.opt, ...pageFields }),
    billRow,
  ),
  'subaccount.entrustList': spec(q({ subAcct: req.opt }), row({ subAcct: s })),
  'subaccount.interestLimits': spec(q({ subAcct: req.str, ccy: req.opt }), anyRow),
} as const satisfies Record<keyof typeof SUBACCOUNT, ApiSpec>;
