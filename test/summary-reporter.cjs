// Prints the plain closing line CI reads ("N passed, N failed"), and, when
// KTRIM_TEST_TALLY names a file, adds this run's counts to it so `make test`
// can print one total over its unit and end-to-end runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads reporters as CommonJS
const fs = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, r) {
    const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
    const line = `${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests} skipped`;
    process.stdout.write(`jest: ${line}\n`);
    const tally = process.env.KTRIM_TEST_TALLY;
    if (tally) fs.appendFileSync(tally, `${r.numPassedTests} ${failed} ${r.numPendingTests}\n`);
  }
}
module.exports = SummaryReporter;
