// The integration tests run in a time zone other than UTC, so that a timestamp read back in local
// time instead of UTC (SQLite stores created_at as zone-less UTC text) shows up as a 5-hour error.
// Node applies a change of process.env.TZ at once; it is restored after each test file.
const SharedTypedArraysEnvironment = require('./shared-typed-arrays.environment');

const TIME_ZONE = 'America/New_York';

class NewYorkEnvironment extends SharedTypedArraysEnvironment {
  async setup() {
    this.savedTimeZone = process.env.TZ;
    process.env.TZ = TIME_ZONE;
    await super.setup();
  }

  async teardown() {
    await super.teardown();
    if (this.savedTimeZone === undefined) delete process.env.TZ;
    else process.env.TZ = this.savedTimeZone;
  }
}

module.exports = NewYorkEnvironment;
