/**
 * Loaded into the fanout CLI by bench/fleet.ts (`node --import`): samples what the controller holds every
 * 100 ms — resident memory, file descriptors, TCP connections, timers keeping the loop alive — and writes
 * the peaks as JSON to $FANOUT_PROBE_FILE when the process exits.
 */
import { readdirSync, writeFileSync } from 'node:fs';

const file = process.env.FANOUT_PROBE_FILE;
const peak = { rssMb: 0, heapMb: 0, fds: 0, tcp: 0, timers: 0 };

function sample() {
  const memory = process.memoryUsage();
  peak.rssMb = Math.max(peak.rssMb, memory.rss / 2 ** 20);
  peak.heapMb = Math.max(peak.heapMb, memory.heapUsed / 2 ** 20);
  peak.fds = Math.max(peak.fds, readdirSync('/proc/self/fd').length);
  const resources = process.getActiveResourcesInfo();
  peak.tcp = Math.max(peak.tcp, resources.filter((kind) => kind === 'TCPSocketWrap').length);
  peak.timers = Math.max(peak.timers, resources.filter((kind) => kind === 'Timeout').length);
}

if (file) {
  setInterval(sample, 100).unref();
  process.on('exit', () => {
    sample();
    writeFileSync(file, JSON.stringify(peak));
  });
}
