/**
 * Loaded into the fanout CLI by bench/fleet.ts (`node --import`): samples what the controller holds every
 * 100 ms — resident memory, file descriptors, sockets (one per SSH connection, idle ones included), and
 * the TCP handles and timers keeping the loop alive (idle pooled connections and their timers are unref'd,
 * so these count the busy ones) — and writes the peaks as JSON to $FANOUT_PROBE_FILE when the process exits.
 */
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';

const file = process.env.FANOUT_PROBE_FILE;
const peak = { rssMb: 0, heapMb: 0, fds: 0, sockets: 0, tcp: 0, timers: 0 };

function sample() {
  const memory = process.memoryUsage();
  peak.rssMb = Math.max(peak.rssMb, memory.rss / 2 ** 20);
  peak.heapMb = Math.max(peak.heapMb, memory.heapUsed / 2 ** 20);
  const fds = readdirSync('/proc/self/fd');
  peak.fds = Math.max(peak.fds, fds.length);
  let sockets = 0;
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // Closed since the listing.
    }
  }
  peak.sockets = Math.max(peak.sockets, sockets);
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
