"""Deletes every RBD image whose name starts with PREFIX in Ceph pool POOL, with its snapshots, clones first.

Usage: python3 purge_images.py CONF POOL PREFIX (the node's Python, with python3-rados and
python3-rbd). Connects as client.admin with CONF; prints {"removed": [...],
"left": [...], "errors": [...]} as JSON. Images that cannot go yet (a clone is built on one of their
snapshots) are retried after the others, a few passes in all. Cleanup for the lq_rbd integration target.
"""

import json
import sys

import rados
import rbd


def remove(ioctx, name):
    """Removes one image and its snapshots; raises while clones hang on it."""
    with rbd.Image(ioctx, name) as image:
        for snap in list(image.list_snaps()):
            if image.is_protected_snap(snap["name"]):
                image.unprotect_snap(snap["name"])
            image.remove_snap(snap["name"])
    rbd.RBD().remove(ioctx, name)


def main():
    conf, pool, prefix = sys.argv[1:4]
    if not prefix.startswith("lqtest-"):
        sys.exit("refusing to purge images that do not start with lqtest-: %r" % prefix)
    cluster = rados.Rados(conffile=conf, conf={"client_mount_timeout": "5", "rados_mon_op_timeout": "10",
                                               "rados_osd_op_timeout": "10"})
    cluster.connect(timeout=5)
    removed, errors = [], []
    try:
        with cluster.open_ioctx(pool) as ioctx:
            for _attempt in range(4):
                left = sorted(name for name in rbd.RBD().list(ioctx) if name.startswith(prefix))
                if not left:
                    break
                errors = []
                for name in left:
                    try:
                        remove(ioctx, name)
                        removed.append(name)
                    except (rbd.Error, rados.Error) as error:
                        errors.append("%s: %s" % (name, error))
            left = sorted(name for name in rbd.RBD().list(ioctx) if name.startswith(prefix))
    finally:
        cluster.shutdown()
    print(json.dumps({"removed": removed, "left": left, "errors": errors}))
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
