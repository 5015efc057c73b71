// Prints the one closing line CI reads, `N passed, N failed`, from vitest's JSON report.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp/results.json';
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const failed =
    report.numFailedTests + (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? 1 : 0);
  console.log(`${report.numPassedTests} passed, ${failed} failed`);
} catch {
  console.log('0 passed, 1 failed');
}
