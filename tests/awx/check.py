# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks for tests/awx/run, one subcommand each; prints one line per problem and exits 1 on any.

  context CONTEXT_DIR VERSION       the build context `ansible-builder create` wrote for execution-environment.yml
  introspect PIP_FILE BINDEP_FILE   what `ansible-builder introspect` found in the installed collection
  credential FACTS_YAML OUT         writes the lab's Ceph facts as AWX writes a credential's extra vars: a YAML file
                                    of !unsafe values (never templated), mode 0400
  artifacts ARTIFACT_DIR YAML...    an ansible-runner job's artifacts: rc 0, status successful, a stats event without
                                    failures, and none of the secrets of the YAML files (the values of their keys named
                                    key, password or password_in: the lab's facts) anywhere in them (command, stdout,
                                    job events); secrets are read from files, never taken on the command line
"""

import json
import os
import re
import stat
import sys

import yaml


def check_context(context, version):
    problems = []
    tarball = "limiquantix-storage-%s.tar.gz" % version
    containerfile = os.path.join(context, "Containerfile")
    if not os.path.isfile(containerfile):
        return ["no Containerfile in %s" % context]
    with open(containerfile, encoding="utf-8") as handle:
        text = handle.read()
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="([^"]*)"', text, re.M)
    if not refs or not re.search(r"\bansible-core[<>=~]", refs.group(1)) or "ansible-runner" not in refs.group(1):
        problems.append("Containerfile: ansible-core and ansible-runner are not in ANSIBLE_INSTALL_REFS")
    if not re.search(r'^ARG PYCMD="/usr/bin/python3\.1[2-9]"', text, re.M):
        problems.append("Containerfile: the EE's Python is not 3.12+ (ansible-core 2.21 needs it)")
    for step in ("ansible-galaxy collection install", "introspect", "COPY _build /build"):
        if step not in text:
            problems.append("Containerfile: no step with %r" % step)
    if not os.path.isfile(os.path.join(context, "_build", "collections", tarball)):
        problems.append("_build/collections/%s is missing: the requirement and galaxy.yml's version differ?" % tarball)
    with open(os.path.join(context, "_build", "requirements.yml"), encoding="utf-8") as handle:
        requirements = yaml.safe_load(handle)
    wanted = {"name": "collections/" + tarball, "type": "file"}
    if requirements.get("collections") != [wanted]:
        problems.append("_build/requirements.yml: collections are %r, expected [%r]"
                        % (requirements.get("collections"), wanted))
    return problems


def requirement_lines(path):
    # ansible-builder introspect writes no file when it has no line to write.
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [line.split("#")[0].strip() for line in handle if line.split("#")[0].strip()]


def check_introspect(pip_file, bindep_file):
    problems = []
    pip = requirement_lines(pip_file)
    if pip:
        problems.append("the collection asks the EE for Python packages %s; its modules run on the nodes" % pip)
    bindep = requirement_lines(bindep_file)
    for wanted in ("openssh-clients [platform:rpm]", "openssh-client [platform:dpkg]"):
        if wanted not in bindep:
            problems.append("bindep: %r is missing (got %s)" % (wanted, bindep))
    return problems


class Unsafe(str):
    """A string AWX writes with the !unsafe tag: Ansible never templates it."""


def write_credential(facts_file, out):
    with open(facts_file, encoding="utf-8") as handle:
        facts = yaml.safe_load(handle)["lq_lab_ceph"]

    def unsafe(value):
        if isinstance(value, dict):
            return dict((key, unsafe(item)) for key, item in value.items())
        if isinstance(value, list):
            return [unsafe(item) for item in value]
        return Unsafe(value) if isinstance(value, str) else value

    dumper = yaml.SafeDumper
    dumper.add_representer(Unsafe, lambda d, value: d.represent_scalar("!unsafe", str(value)))
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        yaml.dump({"lq_lab_ceph": unsafe(facts)}, handle, Dumper=dumper, default_flow_style=False)
    os.chmod(out, stat.S_IRUSR)
    return []


SECRET_NAMES = ("key", "password", "password_in")


def secrets_of(value):
    """The values of the keys named in SECRET_NAMES, at any depth."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_NAMES and isinstance(item, str) and item:
                found.append(item)
            else:
                found.extend(secrets_of(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(secrets_of(item))
    return found


def check_artifacts(artifact_dir, secret_files):
    problems = []
    secrets = []
    for path in secret_files:
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                secrets.extend(secrets_of(yaml.safe_load(handle)))
    if not secrets:
        problems.append("artifacts: no secret found in %s to look for" % ", ".join(secret_files))

    def read(name):
        path = os.path.join(artifact_dir, name)
        if not os.path.isfile(path):
            problems.append("artifacts: no %s" % name)
            return ""
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()

    if read("rc") != "0":
        problems.append("artifacts: rc is %r, not 0" % read("rc"))
    if read("status") != "successful":
        problems.append("artifacts: status is %r, not successful" % read("status"))
    events_dir = os.path.join(artifact_dir, "job_events")
    stats = []
    for name in sorted(os.listdir(events_dir)) if os.path.isdir(events_dir) else []:
        with open(os.path.join(events_dir, name), encoding="utf-8") as handle:
            event = json.load(handle)
        if event.get("event") == "playbook_on_stats":
            stats.append(event.get("event_data", {}))
    if len(stats) != 1:
        problems.append("artifacts: %d playbook_on_stats events, expected 1" % len(stats))
    else:
        if not stats[0].get("ok"):
            problems.append("artifacts: no host ran a task")
        for kind in ("failures", "dark"):
            if stats[0].get(kind):
                problems.append("artifacts: %s: %s" % (kind, stats[0][kind]))
    for root, _dirs, files in os.walk(artifact_dir):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                data = handle.read()
            for index, secret in enumerate(secrets):
                if secret.encode() in data:
                    problems.append("artifacts: secret #%d is in %s" % (index + 1, os.path.relpath(path, artifact_dir)))
    if not problems:
        print("artifacts: rc 0, successful, hosts ok: %s, changed: %s; %d secrets in none of the files" % (
            sorted(stats[0]["ok"]), stats[0].get("changed") or {}, len(secrets)))
    return problems


def main(argv):
    commands = {"context": (check_context, 2), "introspect": (check_introspect, 2),
                "credential": (write_credential, 2)}
    if len(argv) >= 2 and argv[1] == "artifacts" and len(argv) >= 3:
        problems = check_artifacts(argv[2], argv[3:])
    elif len(argv) >= 2 and argv[1] in commands and len(argv) == 2 + commands[argv[1]][1]:
        problems = commands[argv[1]][0](*argv[2:])
    else:
        sys.stderr.write(__doc__)
        return 2
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
