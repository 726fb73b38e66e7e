"""Watch every process's command line while modules run, to show that no CHAP password passes through one.

  ps_watch.py start OUT   forks a watcher that reads /proc/*/cmdline (what ps shows) of new processes every
                          ~20 ms, keeping each distinct command line, until OUT.stop exists or OUT's directory
                          is gone (at most 10 minutes); it writes them to OUT.
  ps_watch.py check OUT   stops the watcher, then prints JSON: how many scans it made, how many distinct command
                          lines it saw (and how many of them ran iscsiadm), and those holding one of the
                          newline-separated secrets on stdin - leaving out tgtadm's, the fixture's (tgt
                          takes a CHAP password only on its command line), and showing <SECRET> for the secret.
"""
import json
import os
import sys
import time

READS = 5  # sightings of a process whose command line is read


def watch(out):
    # A process's command line is read on its first few sightings only (after fork it shows its parent's until
    # it execs): reading every process at every scan would keep a CPU of the emulated guest busy.
    seen, sightings, scans, end = set(), {}, 0, time.monotonic() + 600
    # Stops also when the run's directory goes (a failed run's cleanup).
    while not os.path.exists(out + ".stop") and os.path.isdir(os.path.dirname(out)) and time.monotonic() < end:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
        for pid in pids:
            count = sightings.get(pid, 0)
            if count < READS:
                sightings[pid] = count + 1
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as stream:
                        seen.add(stream.read().replace(b"\0", b" ").decode("utf-8", "replace").strip())
                except OSError:
                    pass
        alive = set(pids)
        for pid in [pid for pid in sightings if pid not in alive]:
            del sightings[pid]
        scans += 1
        time.sleep(0.02)
    try:
        with open(out + ".tmp", "w") as stream:
            json.dump({"scans": scans, "lines": sorted(seen)}, stream)
        os.rename(out + ".tmp", out)
    except OSError:
        pass


def start(out):
    if os.fork():
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    watch(out)
    os._exit(0)


def check(out):
    with open(out + ".stop", "w"):
        pass
    end = time.monotonic() + 30
    while not os.path.exists(out) and time.monotonic() < end:
        time.sleep(0.05)
    with open(out) as stream:
        seen = json.load(stream)
    secrets = [line for line in sys.stdin.read().splitlines() if line]
    leaks = [line for line in seen["lines"]
             if "tgtadm" not in line and any(secret in line for secret in secrets)]
    # Show where a secret leaked without showing the secret.
    for secret in secrets:
        leaks = [line.replace(secret, "<SECRET>") for line in leaks]
    print(json.dumps({"scans": seen["scans"], "lines": len(seen["lines"]), "secrets": len(secrets),
                      "iscsiadm": len([line for line in seen["lines"] if "iscsiadm" in line]), "leaks": leaks}))


if __name__ == "__main__":
    {"start": start, "check": check}[sys.argv[1]](sys.argv[2])
