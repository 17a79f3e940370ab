import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotEnv } from 'dotenv';
import { ValidationError, errorCode } from '../util/errors.js';
import { Credentials, CredentialsError, credentialsFromEnv, readEnvValue, type Env } from './credentials.js';
import { OkxClient, type OkxClientOptions } from './okx-client.js';

/**
 * Reads a .env file (development only; never commit it). Returns its variables without touching
 * process.env; a missing file gives {}.
 */
export function readDotEnv(path = '.env'): Env {
  if (!existsSync(path)) return {};
  try {
    return parseDotEnv(readFileSync(path));
  } catch (err) {
    throw new ValidationError(path, `cannot be read (${errorCode(err) ?? 'error'})`);
  }
}

/**
 * Marks, on an env built by envWithDotEnv, the names whose value came from the .env file. An
 * enumerable symbol: it survives `{ ...env }` and is invisible to Object.keys and JSON.
 */
export const FROM_DOTENV: unique symbol = Symbol.for('okxkit.fromDotEnv');

/** The process environment over a .env file: a variable set in the environment wins. */
export function envWithDotEnv(env: Env = process.env, path = '.env'): Env {
  const file = readDotEnv(path);
  const merged: Env = { ...file, ...env };
  const fromFile = new Set(Object.keys(file).filter((k) => env[k] === undefined));
  (merged as Record<symbol, unknown>)[FROM_DOTENV] = fromFile;
  return merged;
}

/** True when `name` in this env came from a .env file (see envWithDotEnv). */
export function isFromDotEnv(env: Env, name: string): boolean {
  const set = (env as Record<symbol, unknown>)[FROM_DOTENV];
  return set instanceof Set && set.has(name);
}

const CREDENTIAL_VARS = ['OKX_API_KEY', 'OKX_SECRET_KEY', 'OKX_PASSPHRASE'];

/** True when any credential variable (or its *_FILE form) is set. */
export function hasCredentialsInEnv(env: Env): boolean {
  return CREDENTIAL_VARS.some((n) => !!env[n] || !!env[`${n}_FILE`]);
}

/**
 * Client options from OKX_API_KEY / OKX_SECRET_KEY / OKX_PASSPHRASE (each also *_FILE),
 * OKX_BASE_URL, OKX_DEMO (1/true/0/false) and OKX_SITE (global/eea/us). No credential variable at
 * all gives a public-only client; a partial set names every missing variable (docs/REQUIREMENTS.md R1).
 */
export function clientOptionsFromEnv(env: Env): OkxClientOptions {
  const opts: OkxClientOptions = {};
  if (hasCredentialsInEnv(env)) opts.credentials = credentialsFromEnv(env);
  const baseUrl = readEnvValue(env, 'OKX_BASE_URL');
  if (baseUrl) {
    try {
      new URL(baseUrl);
    } catch {
      throw new ValidationError(
        'OKX_BASE_URL',
        `'${baseUrl}' is not a URL`,
        'e.g. https://www.okx.com or http://127.0.0.1:8080',
      );
    }
    opts.baseUrl = baseUrl;
  }
  const demo = env.OKX_DEMO;
  if (demo !== undefined && demo !== '') opts.demo = parseBool('OKX_DEMO', demo);
  const site = env.OKX_SITE;
  if (site !== undefined && site !== '') {
    if (site !== 'global' && site !== 'eea' && site !== 'us') {
      throw new ValidationError('OKX_SITE', `'${site}' is not a site`, 'use global, eea or us');
    }
    opts.site = site;
  }
  return opts;
}

export function parseBool(name: string, v: string): boolean {
  const s = v.trim().toLowerCase();
  if (s === '1' || s === 'true' || s === 'yes') return true;
  if (s === '0' || s === 'false' || s === 'no') return false;
  throw new ValidationError(name, `'${v}' is not a boolean`, 'use 1/true or 0/false');
}

/**
 * An OkxClient configured from the environment. Without `env`, reads process.env over ./.env.
 * `overrides` win over the environment (e.g. readOnly, logger, a CLI flag).
 */
export function clientFromEnv(env?: Env, overrides: OkxClientOptions = {}): OkxClient {
  const source = env ?? envWithDotEnv(process.env);
  return new OkxClient({ ...clientOptionsFromEnv(source), ...overrides });
}

export { Credentials, CredentialsError, credentialsFromEnv, readEnvValue, type Env };
