import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Prompter, type SecurityIo } from '../../src/security/io.js';

function ttyIo() {
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes: [] as boolean[],
    setRawMode(raw: boolean) {
      this.rawModes.push(raw);
      return this;
    },
  });
  let err = '';
  const stderr = new PassThrough();
  stderr.on('data', (d) => (err += String(d)));
  const io: SecurityIo = { stdin, stdout: new PassThrough(), stderr, env: {}, setExitCode: () => {} };
  return { io, stdin, err: () => err };
}

test('on a terminal, hidden input is read in raw mode without echo; backspace edits; visible input echoes', async () => {
  const { io, stdin, err } = ttyIo();
  const p = new Prompter(io);
  assert.equal(p.interactive, true);
  const hidden = p.hidden('Secret key: ');
  stdin.write('fake-sx');
  stdin.write('\u007fecret 1\r');
  assert.equal(await hidden, 'fake-secret 1');
  assert.equal(err(), 'Secret key: \n');
  assert.deepEqual(stdin.rawModes, [true, false]);
  const visible = p.visible('API key: ');
  stdin.write('fake-key\r');
  assert.equal(await visible, 'fake-key');
  assert.equal(err(), 'Secret key: \nAPI key: fake-key\n');
  const cancelled = p.hidden('Passphrase: ');
  stdin.write('\u0003');
  await assert.rejects(cancelled, /cancelled/);
});

test('without a terminal (or with --stdin) values are stdin lines, kept byte for byte but the line ending', async () => {
  const { io, stdin } = ttyIo();
  const p = new Prompter(io, { lines: true });
  assert.equal(p.interactive, false);
  stdin.end('fake-key-1\r\n  Fake Pass with spaces  \n');
  assert.equal(await p.visible('API key: '), 'fake-key-1');
  assert.equal(await p.hidden('Passphrase: '), '  Fake Pass with spaces  ');
  await assert.rejects(p.hidden('More: '), /stdin ended/);
  p.close();
});
