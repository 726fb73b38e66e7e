"""Prepares a run of the lq_iscsi_target integration tests in the guest, in one step (each task costs seconds
against the emulated guest). Run as ``python3 -c "$(cat setup.py)" DIR`` with JSON on stdin:
{"files": {name: text}, "spec": [tgt targets, see tgt.py]}.

Makes DIR (below /var/lib/lq-test, which must not exist yet) with the helper files, starts tgtd and libvirtd,
notes the discovery records there are (cleanup removes only the ones the run adds), starts watching the command
lines of every process (ps_watch.py; before the targets exist, whose CHAP passwords tgtadm shows on its command
line), and makes the targets. Prints {"tids", "portals", "discovery_before"}.
"""
import glob
import json
import os
import subprocess
import sys

directory = sys.argv[1]
given = json.load(sys.stdin)
os.makedirs(os.path.dirname(directory), mode=0o700, exist_ok=True)
os.mkdir(directory, 0o700)
for name, text in given["files"].items():
    path = os.path.join(directory, name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o700), "w") as stream:
        stream.write(text)
subprocess.run(["systemctl", "start", "tgt", "libvirtd"], check=True)
discovery_before = sorted(glob.glob("/etc/iscsi/send_targets/*/st_config"))
subprocess.run([sys.executable, os.path.join(directory, "ps_watch.py"), "start", os.path.join(directory, "ps.json")],
               check=True)
made = subprocess.run([sys.executable, os.path.join(directory, "tgt.py"), "setup", directory],
                      input=json.dumps(given["spec"]), capture_output=True, text=True, check=False)
if made.returncode != 0:
    sys.exit(made.stderr.strip() or made.stdout.strip())
print(json.dumps(dict(json.loads(made.stdout), discovery_before=discovery_before)))
