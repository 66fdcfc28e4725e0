import { DEFAULT_ENDPOINT } from '@fleet/client';
import { describe, expect, it } from 'vitest';
import { GLOBAL_FLAGS } from './globals.js';

describe('the default --endpoint', () => {
  it("is the client's default, the socket units/fleet.socket listens on", () => {
    expect(GLOBAL_FLAGS['endpoint']?.default).toBe(DEFAULT_ENDPOINT);
    expect(DEFAULT_ENDPOINT).toBe('unix:///run/fleet.sock');
  });
});
