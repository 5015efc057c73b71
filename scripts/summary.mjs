// Prints the one closing line CI reads, `N passed, N failed`, from vitest's JSON report. With vitest's exit
// status as second argument, a run that failed with every test passed (an unhandled error, which the JSON
// report does not record) counts as one failure, so the line never says 0 failed of a failed run.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp/results.json';
const status = Number(process.argv[3] ?? 0);
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const failed =
    report.numFailedTests + (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? 1 : 0);
  console.log(`${report.numPassedTests} passed, ${failed > 0 || status === 0 ? failed : 1} failed`);
} catch {
  console.log('0 passed, 1 failed');
}
