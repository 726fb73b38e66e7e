"""What the node shows of iSCSI targets, as JSON, for the lq_iscsi_target integration tests.

Usage: observe.py [--discovery=PORTAL] TARGET...   Every fact comes from the tools an operator would use:
iscsiadm (records shown without -S, so passwords masked as iscsiadm masks them; with --discovery, also the
discovery record of PORTAL), the record files' modes, udev's by-path links, lsblk, /proc/mounts.
"""
import glob
import json
import os
import subprocess
import sys


def run(*argv):
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


def settings(text):
    found = {}
    for line in text.splitlines():
        name, separator, value = line.partition("=")
        if separator and not line.lstrip().startswith("#"):
            found[name.strip()] = value.strip()
    return found


def main(arguments):
    targets = [argument for argument in arguments if not argument.startswith("--")]
    portals = [argument.split("=", 1)[1] for argument in arguments if argument.startswith("--discovery=")]
    _rc, out, _err = run("iscsiadm", "-m", "session")
    sessions = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[3] in targets:
            sessions.append({"sid": fields[1].strip("[]"), "portal": fields[2].rsplit(",", 1)[0],
                             "target": fields[3]})
    _rc, out, _err = run("iscsiadm", "-m", "node")
    records = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] in targets:
            portal = fields[0].rsplit(",", 1)[0]
            _rc, shown, _err = run("iscsiadm", "-m", "node", "-T", fields[1], "-p", portal)
            records.setdefault(fields[1], {})[portal] = settings(shown)
    modes = {}
    for target in targets:
        for path in glob.glob(os.path.join("/etc/iscsi/nodes", glob.escape(target), "**"), recursive=True):
            if os.path.isfile(path):
                modes[path] = "%o" % (os.stat(path).st_mode & 0o7777)
    for path in glob.glob("/etc/iscsi/send_targets/*/st_config"):
        modes[path] = "%o" % (os.stat(path).st_mode & 0o7777)
    by_path = {}
    for link in glob.glob("/dev/disk/by-path/*"):
        if any("-iscsi-%s-lun-" % target in link for target in targets):
            by_path[link] = os.path.realpath(link)
    _rc, out, _err = run("lsblk", "-b", "-J", "-d", "-o", "NAME,SIZE,WWN,SERIAL")
    devices = {"/dev/" + row["name"]: row for row in json.loads(out or '{"blockdevices": []}')["blockdevices"]}
    with open("/proc/self/mounts") as stream:
        mounts = [line.split()[:2] for line in stream]
    discovery = {portal: settings(run("iscsiadm", "-m", "discoverydb", "-t", "st", "-p", portal)[1])
                 for portal in portals}
    json.dump({"sessions": sessions, "records": records, "modes": modes, "by_path": by_path, "discovery": discovery,
               "lsblk": {link: devices.get(device) for link, device in by_path.items()},
               "mounts": mounts}, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
