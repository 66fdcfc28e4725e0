import { fakeHarness, systemdContract } from '../testing/index.js';

systemdContract('FakeSystemd', () => fakeHarness());
