// Host key checking for every SSH connection fleetctl makes, as fleet and OpenSSH do it: a known
// key passes silently, a new host is asked about (only `yes`/`y` trusts it, and the key is then
// appended to the known hosts file), a changed or revoked key aborts with OpenSSH's banner.
// With strict checking off (OpenSSH's StrictHostKeyChecking=no), a new host is accepted without
// a question and nothing is written, but keys are still compared: a revoked key still aborts,
// and a changed key prints the banner and the connection goes on without agent forwarding.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import {
  algorithmName,
  checkKnownHosts,
  fingerprint,
  hostToken,
  keyType,
  knownHostsLine,
  knownKeyTypes,
} from './known-hosts.js';
import { oneLine } from '@fleet/runtime';
import { NoTerminalError } from './errors.js';

/** What host key checking needs. */
export interface HostCheckSettings {
  /**
   * `false` (`--strict-host-key-checking=false`): accept new and changed keys, touch no file;
   * a changed key is still reported, and the connection then forwards no agent.
   */
  readonly strict: boolean;
  /** The known hosts file, `~` already expanded. */
  readonly knownHostsFile: string;
  readonly stderr: Writable;
  /**
   * Asks the user a question on the terminal; resolves the answer line, or `undefined` at end of
   * input. @throws NoTerminalError when there is no terminal to ask on
   */
  readonly ask: (question: string) => Promise<string | undefined>;
}

/** One connection's host key check. */
export interface HostCheck {
  /** ssh2's `hostVerifier`. */
  readonly verify: (key: Buffer, done: (ok: boolean) => void) => void;
  /** Why the host was refused, once it was. */
  readonly refusal: () => string | undefined;
  /** Host key types already recorded for the host (ask the server for these first). */
  readonly knownTypes: readonly string[];
  /** Whether the key differs from the recorded one and was let through (strict checking off). */
  readonly changed: () => boolean;
}

function readKnownHosts(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function changedBanner(
  type: string,
  fp: string,
  file: string,
  line: number,
  aborting: boolean,
): string {
  const algo = algorithmName(type);
  return [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
    'It is also possible that a host key has just been changed.',
    `The fingerprint for the ${algo} key sent by the remote host is`,
    `${fp}.`,
    'Please contact your system administrator.',
    `Add correct host key in ${file} to get rid of this message.`,
    `Offending ${algo} key in ${file}:${line}`,
    ...(aborting ? ['Host key verification failed.'] : []),
    '',
  ].join('\n');
}

function revokedBanner(type: string, fp: string, file: string, line: number): string {
  return [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@       WARNING: REVOKED HOST KEY DETECTED!               @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    `The ${algorithmName(type)} host key ${fp} is marked as revoked in ${file}:${line}.`,
    'Host key verification failed.',
    '',
  ].join('\n');
}

/** Builds the check of `host:port`'s key. */
export function hostCheck(host: string, port: number, settings: HostCheckSettings): HostCheck {
  const token = hostToken(host, port);
  const file = settings.knownHostsFile;
  let refusal: string | undefined;
  const refuse = (why: string, done: (ok: boolean) => void) => {
    refusal = `host key verification failed for ${token}: ${why}`;
    done(false);
  };

  const trust = async (key: Buffer, otherTypes: readonly string[]): Promise<boolean> => {
    const type = keyType(key);
    const others =
      otherTypes.length === 0
        ? ''
        : `but keys of different type are already known for this host: ${otherTypes.join(', ')}.\n`;
    const intro =
      `The authenticity of host '${token}' can't be established.\n` +
      `${algorithmName(type)} key fingerprint is ${fingerprint(key)}.\n${others}`;
    let answer: string | undefined;
    try {
      answer = await settings.ask(
        `${intro}Are you sure you want to continue connecting (yes/no)? `,
      );
    } catch (err) {
      if (!(err instanceof NoTerminalError)) throw err;
      // OpenSSH's BatchMode: nobody to ask, so nothing is trusted.
      settings.stderr.write(`${intro}Host key verification failed.\n`);
      throw new Error(
        `unknown host and no terminal to ask whether to trust it (add its key to ${file}, or run fleetctl from a terminal)`,
        { cause: err },
      );
    }
    const word = (answer ?? '').trim().toLowerCase();
    if (word !== 'yes' && word !== 'y') {
      settings.stderr.write('Host key verification failed.\n');
      return false;
    }
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const current = readKnownHosts(file);
      const sep = current === '' || current.endsWith('\n') ? '' : '\n';
      appendFileSync(file, sep + knownHostsLine(token, key), { mode: 0o644 });
      settings.stderr.write(
        `Warning: Permanently added '${token}' (${algorithmName(type)}) to the list of known hosts.\n`,
      );
    } catch (err) {
      const why = oneLine(err);
      settings.stderr.write(
        `Failed to add the host to the list of known hosts (${file}): ${why}\n`,
      );
    }
    return true;
  };

  let changed = false;
  const verify = (key: Buffer, done: (ok: boolean) => void): void => {
    const status = checkKnownHosts(readKnownHosts(file), token, key);
    switch (status.kind) {
      case 'match':
        done(true);
        return;
      case 'mismatch':
        settings.stderr.write(
          changedBanner(keyType(key), fingerprint(key), file, status.line, settings.strict),
        );
        if (settings.strict) {
          refuse('host key mismatch (REMOTE HOST IDENTIFICATION HAS CHANGED)', done);
          return;
        }
        changed = true;
        done(true);
        return;
      case 'revoked':
        settings.stderr.write(revokedBanner(keyType(key), fingerprint(key), file, status.line));
        refuse('the host key is revoked', done);
        return;
      case 'unknown':
        if (!settings.strict) {
          done(true);
          return;
        }
        trust(key, status.otherTypes).then(
          (ok) => (ok ? done(true) : refuse('unauthorized host (not trusted)', done)),
          (err: unknown) => refuse(oneLine(err), done),
        );
    }
  };

  return {
    verify,
    refusal: () => refusal,
    knownTypes: knownKeyTypes(readKnownHosts(file), token),
    changed: () => changed,
  };
}
