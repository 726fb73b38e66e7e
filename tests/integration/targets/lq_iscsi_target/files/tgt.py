"""The tgt side of the lq_iscsi_target integration tests (runs in the guest, as root).

  tgt.py setup DIR        targets from the JSON list on stdin: [{name, iqn, incoming: {user, password}
                          or null, outgoing: ... or null}], each with two file-backed LUNs in DIR (1: 64 MiB,
                          2: 32 MiB) and ACL ALL, on free target ids from $LQ_TGT_TIDS (first-last).
                          Prints {"tids": {name: tid}, "portals": [where tgtd listens, e.g. "[::]:3260"]}.
  tgt.py password TID USER    gives the incoming account USER the password on stdin (delete, new, bind)
  tgt.py teardown PREFIX  removes every target in the tid range whose IQN starts with PREFIX (offline, force
                          delete) and every account whose name starts with $LQ_TGT_ACCOUNTS.

Passwords come on stdin (an environment variable of an Ansible task would be on the command line of the shell
that starts the task), and reach tgtadm on its command line: tgt has no other way (the tests' ps checks leave
tgtadm out).
"""
import json
import os
import re
import subprocess
import sys

TGTADM = ["tgtadm", "--lld", "iscsi"]
LUNS = ((1, 64 << 20), (2, 32 << 20))


def tgtadm(*args, check=True):
    done = subprocess.run(TGTADM + list(args), capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        shown = ["********" if previous == "--password" else arg for previous, arg in zip(("",) + args, args)]
        sys.exit("tgtadm %s: %s" % (" ".join(shown), done.stderr.strip() or done.stdout.strip()))
    return done.stdout


def targets():
    """{tid: iqn} of every tgt target."""
    return {int(m.group(1)): m.group(2)
            for m in re.finditer(r"^Target (\d+): (\S+)$", tgtadm("--mode", "target", "--op", "show"), re.M)}


def tid_range():
    first, last = os.environ.get("LQ_TGT_TIDS", "100-199").split("-")
    return range(int(first), int(last) + 1)


def account(user, password, tid, outgoing=False):
    tgtadm("--mode", "account", "--op", "new", "--user", user, "--password", password)
    tgtadm("--mode", "account", "--op", "bind", "--tid", str(tid), "--user", user, *(["--outgoing"] if outgoing else []))


def setup(directory):
    spec = json.load(sys.stdin)
    used = set(targets())
    free = [tid for tid in tid_range() if tid not in used]
    if len(free) < len(spec):
        sys.exit("not enough free tgt target ids in %s" % os.environ.get("LQ_TGT_TIDS", "100-199"))
    made = {}
    for item, tid in zip(spec, free):
        tgtadm("--mode", "target", "--op", "new", "--tid", str(tid), "--targetname", item["iqn"])
        made[item["name"]] = tid
        for lun, size in LUNS:
            path = os.path.join(directory, "%s-lun%d.img" % (item["name"], lun))
            with open(path, "wb") as stream:
                stream.truncate(size)
            tgtadm("--mode", "logicalunit", "--op", "new", "--tid", str(tid), "--lun", str(lun),
                   "--backing-store", path)
        tgtadm("--mode", "target", "--op", "bind", "--tid", str(tid), "--initiator-address", "ALL")
        if item.get("incoming"):
            account(item["incoming"]["user"], item["incoming"]["password"], tid)
        if item.get("outgoing"):
            account(item["outgoing"]["user"], item["outgoing"]["password"], tid, outgoing=True)
    portals = re.findall(r"^Portal: (\S+),\d+$", tgtadm("--mode", "portal", "--op", "show"), re.M)
    print(json.dumps({"tids": made, "portals": portals}))


def password(tid, user):
    tgtadm("--mode", "account", "--op", "delete", "--user", user)
    account(user, sys.stdin.read().strip(), int(tid))


def teardown(prefix):
    removed = []
    for tid, iqn in targets().items():
        if tid in tid_range() and iqn.startswith(prefix):
            tgtadm("--mode", "target", "--op", "update", "--tid", str(tid), "--name", "state", "--value", "offline",
                   check=False)
            tgtadm("--mode", "target", "--op", "delete", "--force", "--tid", str(tid))
            removed.append(iqn)
    accounts = os.environ.get("LQ_TGT_ACCOUNTS")
    if accounts:
        for user in re.findall(r"^\s+(\S+)$", tgtadm("--mode", "account", "--op", "show"), re.M):
            if user.startswith(accounts):
                tgtadm("--mode", "account", "--op", "delete", "--user", user)
                removed.append("account " + user)
    print(json.dumps(removed))


if __name__ == "__main__":
    {"setup": setup, "password": password, "teardown": teardown}[sys.argv[1]](*sys.argv[2:])
