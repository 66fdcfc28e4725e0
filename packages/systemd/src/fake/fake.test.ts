import { systemdContract } from '../contract.js';
import { fakeHarness } from './fake-harness.js';

systemdContract('FakeSystemd', () => fakeHarness());
