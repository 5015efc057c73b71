import { redactSecrets, type FleetEvent, type JobRef } from '../index.js';

function redactJob<Job extends JobRef>(job: Job): Job {
  return { ...job, command: redactSecrets(job.command), args: job.args.map(redactSecrets) };
}

/**
 * The event with every registered secret in its commands, arguments, output lines and errors shown as
 * `***`: what every renderer, the joblog and the summary receive.
 *
 * @example
 * onEvent(redactEvent(event));
 */
export function redactEvent(event: FleetEvent): FleetEvent {
  switch (event.type) {
    case 'output':
      return { ...event, job: redactJob(event.job), line: redactSecrets(event.line) };
    case 'start':
    case 'retry':
    case 'skip':
      return { ...event, job: redactJob(event.job) };
    case 'end': {
      const { report } = event;
      return {
        ...event,
        report: {
          ...redactJob(report),
          stdout: redactSecrets(report.stdout),
          stderr: redactSecrets(report.stderr),
          error: report.error === undefined ? undefined : redactSecrets(report.error),
        },
      };
    }
    case 'target-down': {
      const error = new Error(redactSecrets(event.error.message));
      error.name = event.error.name;
      return { ...event, error };
    }
    default:
      return event;
  }
}
