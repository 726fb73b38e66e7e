# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks a fleet storage report (playbooks/storage_report.yml): the JSON's structure and types, and that the
HTML parses, shows every host, pool and volume of the JSON as text (escaped names come back as the same text),
has a capacity bar per running pool, and holds no element, attribute or script that node data could have injected.

Usage: check_report.py REPORT.json REPORT.html
Prints one line per problem and exits 1, or prints a summary line and exits 0.
"""

import html.parser
import json
import re
import sys

# Every element the template writes; anything else in the page came from data.
TEMPLATE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "div", "b", "nav", "a",
                 "section", "span", "p", "code", "table", "thead", "tbody", "tr", "th", "td"}
HOST_KEYS = {"name": str, "status": str, "error": (str, type(None)), "pools": list, "secrets": list, "iscsi": dict}
POOL_KEYS = {"name": str, "uuid": str, "type": str, "state": str, "active": bool, "autostart": bool,
             "persistent": bool, "capacity": int, "allocation": int, "available": int, "target": (str, type(None)),
             "definition": dict, "volume_count": (int, type(None)), "volumes": list}
VOLUME_KEYS = {"name": str, "path": str, "type": str, "format": (str, type(None)), "capacity": int,
               "allocation": int, "backing_store": (str, type(None)), "snapshots": (int, type(None))}
SECRET_KEYS = {"uuid": str, "usage_type": str, "name": str, "description": (str, type(None)), "private": bool,
               "ephemeral": bool, "used_by": dict}
TOTAL_KEYS = ("hosts", "hosts_with_errors", "pools", "volumes", "capacity", "allocation", "available")


def check_keys(problems, where, obj, spec):
    if not isinstance(obj, dict):
        problems.append("%s: not an object" % where)
        return
    if set(obj) != set(spec):
        problems.append("%s: keys %s, expected %s" % (where, sorted(obj), sorted(spec)))
    for key, kind in spec.items():
        # bool is an int in Python: an int field must not be a bool.
        if key in obj and (not isinstance(obj[key], kind) or (kind is int and isinstance(obj[key], bool))):
            problems.append("%s.%s: %r is not %s" % (where, key, obj[key], kind))


def check_json(report, problems):
    check_keys(problems, "report", report, {"report_version": int, "generated_at": str, "totals": dict,
                                            "hosts": list})
    if report.get("report_version") != 1:
        problems.append("report_version is %r, not 1" % report.get("report_version"))
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(report.get("generated_at"))):
        problems.append("generated_at %r is not ISO 8601 UTC" % report.get("generated_at"))
    hosts = report.get("hosts", [])
    names = [h.get("name") for h in hosts]
    if names != sorted(names):
        problems.append("hosts are not in name order: %s" % names)
    for host in hosts:
        where = "host %s" % host.get("name")
        check_keys(problems, where, host, HOST_KEYS)
        if host.get("status") not in ("ok", "failed", "unreachable"):
            problems.append("%s: status %r" % (where, host.get("status")))
        if (host.get("status") == "ok") != (host.get("error") is None):
            problems.append("%s: status %r with error %r" % (where, host.get("status"), host.get("error")))
        iscsi = host.get("iscsi", {})
        check_keys(problems, where + ".iscsi", iscsi, {"available": bool, "reason": (str, type(None)),
                                                       "sessions": list})
        if iscsi.get("available") == (iscsi.get("reason") is not None):
            problems.append("%s.iscsi: available %r with reason %r" % (where, iscsi.get("available"),
                                                                       iscsi.get("reason")))
        for secret in host.get("secrets", []):
            check_keys(problems, "%s secret %s" % (where, secret.get("uuid")), secret, SECRET_KEYS)
            if set(secret) & {"value", "key", "password"}:
                problems.append("%s: a secret carries a value" % where)
        pool_names = [p.get("name") for p in host.get("pools", [])]
        if pool_names != sorted(pool_names):
            problems.append("%s: pools are not in name order" % where)
        for pool in host.get("pools", []):
            pwhere = "%s pool %s" % (where, pool.get("name"))
            check_keys(problems, pwhere, pool, POOL_KEYS)
            if pool.get("active") and pool.get("volume_count") != len(pool.get("volumes", [])):
                problems.append("%s: volume_count %r but %d volumes" % (pwhere, pool.get("volume_count"),
                                                                        len(pool.get("volumes", []))))
            for volume in pool.get("volumes", []):
                check_keys(problems, "%s volume %s" % (pwhere, volume.get("name")), volume, VOLUME_KEYS)
    totals = report.get("totals", {})
    pools = [p for h in hosts for p in h.get("pools", [])]
    running = [p for p in pools if p.get("active")]
    want = {"hosts": len(hosts), "hosts_with_errors": sum(h.get("status") != "ok" for h in hosts),
            "pools": len(pools), "volumes": sum(len(p.get("volumes", [])) for p in pools),
            "capacity": sum(p.get("capacity", 0) for p in running),
            "allocation": sum(p.get("allocation", 0) for p in running),
            "available": sum(p.get("available", 0) for p in running)}
    for key in TOTAL_KEYS:
        if totals.get(key) != want[key]:
            problems.append("totals.%s is %r, the hosts add up to %r" % (key, totals.get(key), want[key]))


class Page(html.parser.HTMLParser):
    """Collects the page's elements, the text of h2/h3/td elements, and the capacity bars."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.attributes = set()
        self.links = []
        self.open = []
        self.texts = {"h2": [], "h3": [], "td": [], "p": []}
        self.bars = []
        self.csp = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.attributes.update(attrs)
        self.links.extend(attrs[name] for name in ("src", "href", "action", "srcset") if name in attrs)
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy":
            self.csp = attrs.get("content")
        if tag == "div" and attrs.get("class") == "bar":
            self.bars.append([])
        if tag == "span" and self.bars and attrs.get("class", "").split()[:1] in (["used"], ["free"]):
            match = re.fullmatch(r"width: ([0-9.]+)%", attrs.get("style", ""))
            self.bars[-1].append(float(match.group(1)) if match else None)
        if tag in self.texts:
            self.open.append([tag, ""])

    def handle_endtag(self, tag):
        if self.open and self.open[-1][0] == tag:
            name, text = self.open.pop()
            self.texts[name].append(" ".join(text.split()))

    def handle_data(self, data):
        for entry in self.open:
            entry[1] += data


def check_html(report, text, problems):
    page = Page()
    page.feed(text)
    page.close()
    stray = set(page.tags) - TEMPLATE_TAGS
    if stray:
        problems.append("HTML: elements the template does not write (injected by data?): %s" % sorted(stray))
    handlers = sorted(a for a in page.attributes if a.startswith("on"))
    if handlers:
        problems.append("HTML: event handler attributes: %s" % handlers)
    if page.csp is None or "default-src 'none'" not in page.csp:
        problems.append("HTML: no Content-Security-Policy with default-src 'none'")
    external = [link for link in page.links if not (link or "").startswith("#")]
    if external:
        problems.append("HTML: refers to other files or resources: %s" % external)
    headings = page.texts["h2"]
    for host in report["hosts"]:
        if not any(h == host["name"] or h.startswith(host["name"] + " ") for h in headings):
            problems.append("HTML: no heading for host %r (headings: %s)" % (host["name"], headings))
        if host["error"] is not None and host["error"].strip() and " ".join(host["error"].split()) not in page.texts["p"]:
            problems.append("HTML: the error of host %r is not shown" % host["name"])
        for pool in host["pools"]:
            if pool["name"] not in page.texts["h3"]:
                problems.append("HTML: no heading for pool %r of %r" % (pool["name"], host["name"]))
            for volume in pool["volumes"]:
                if volume["name"] not in page.texts["td"]:
                    problems.append("HTML: volume %r of pool %r is not in a table" % (volume["name"], pool["name"]))
    running = [p for h in report["hosts"] for p in h["pools"] if p["active"] and p["capacity"]]
    if len(page.bars) != len(running):
        problems.append("HTML: %d capacity bars, %d running pools with a capacity" % (len(page.bars), len(running)))
    for widths in page.bars:
        if len(widths) != 2 or None in widths or sum(widths) > 100.01 or min(widths) < 0:
            problems.append("HTML: a capacity bar with widths %s" % widths)
    return page


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        report = json.load(handle)
    with open(argv[2], encoding="utf-8") as handle:
        text = handle.read()
    problems = []
    check_json(report, problems)
    if not problems:
        page = check_html(report, text, problems)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print("report ok: %d hosts, %d pools, %d volumes, %d capacity bars" % (
        report["totals"]["hosts"], report["totals"]["pools"], report["totals"]["volumes"], len(page.bars)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
