import { createInterface, type Interface } from 'node:readline';
import type { Env } from '../client/credentials.js';
import { OkxkitError } from '../util/errors.js';

/**
 * The terminal as the security commands see it: injectable, so tests drive the commands
 * in-process with their own streams, environment and exit code.
 */
export interface SecurityIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Env;
  setExitCode(code: number): void;
}

export function processIo(): SecurityIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}

export class PromptError extends OkxkitError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'PROMPT', hint });
  }
}

/**
 * Asks for values: on a terminal without echo for secrets; otherwise one line of stdin per value
 * (automation: `printf '%s\n' "$KEY" "$SECRET" "$PASS" | okxkit keys add bot`). A line keeps
 * every byte but its line ending, so passphrases with spaces survive (docs/REQUIREMENTS.md R5).
 */
export class Prompter {
  readonly #io: SecurityIo;
  #rl: Interface | undefined;
  #lines: string[] = [];
  #waiters: ((line: string | undefined) => void)[] = [];
  #ended = false;

  readonly #forceLines: boolean;

  /** `lines: true` reads stdin lines even on a terminal (the --stdin flag). */
  constructor(io: SecurityIo, opts: { lines?: boolean } = {}) {
    this.#io = io;
    this.#forceLines = opts.lines === true;
  }

  get interactive(): boolean {
    return (
      !this.#forceLines && this.#io.stdin.isTTY === true && typeof this.#io.stdin.setRawMode === 'function'
    );
  }

  /** Reads a value without echoing it (terminal), or the next stdin line. */
  async hidden(question: string): Promise<string> {
    if (!this.interactive) return this.#nextLine(question);
    return this.#readRaw(question, false);
  }

  /** Reads a value with echo (terminal), or the next stdin line. */
  async visible(question: string): Promise<string> {
    if (!this.interactive) return this.#nextLine(question);
    return this.#readRaw(question, true);
  }

  close(): void {
    this.#rl?.close();
    this.#rl = undefined;
  }

  async #nextLine(question: string): Promise<string> {
    if (!this.#rl) {
      this.#rl = createInterface({ input: this.#io.stdin, crlfDelay: Infinity, terminal: false });
      this.#rl.on('line', (l) => {
        const w = this.#waiters.shift();
        if (w) w(l);
        else this.#lines.push(l);
      });
      this.#rl.on('close', () => {
        this.#ended = true;
        for (const w of this.#waiters.splice(0)) w(undefined);
      });
    }
    const line = this.#lines.length
      ? this.#lines.shift()
      : this.#ended
        ? undefined
        : await new Promise<string | undefined>((res) => this.#waiters.push(res));
    if (line === undefined) {
      throw new PromptError(
        `no input for "${question.replace(/[:\s]+$/, '')}": stdin ended`,
        'Provide one value per line on stdin, set the environment variables, or run in a terminal.',
      );
    }
    return line.replace(/\r$/, '');
  }

  #readRaw(question: string, echo: boolean): Promise<string> {
    const { stdin, stderr } = this.#io;
    stderr.write(question);
    return new Promise((resolve, reject) => {
      let value = '';
      stdin.setRawMode!(true);
      stdin.resume();
      const done = (err?: Error) => {
        stdin.removeListener('data', onData);
        stdin.setRawMode!(false);
        stdin.pause();
        stderr.write('\n');
        if (err) reject(err);
        else resolve(value);
      };
      const onData = (chunk: Buffer | string) => {
        for (const ch of String(chunk)) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
          if (ch === '\u0003') return done(new PromptError('cancelled'));
          if (ch === '\u007f' || ch === '\b') {
            if (echo && value) stderr.write('\b \b');
            value = value.slice(0, -1);
          } else {
            value += ch;
            if (echo) stderr.write(ch);
          }
        }
      };
      stdin.on('data', onData);
    });
  }
}

/** Writes one line. */
export function println(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
