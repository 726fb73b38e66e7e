# Shared helpers for the harness scripts (scripts/*, tests/*/run, tests/lab/*).
# Source it after `set -euo pipefail`; it is not meant to be executed.
# shellcheck shell=bash

LQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LQ_VENV="${LQ_VENV:-$LQ_ROOT/.venv}"
# Symlinks python3.X -> real pyenv interpreter. ansible-test picks target pythons
# by name from PATH, and the pyenv shims of that name fail for non-global versions.
LQ_PYTHONS="$LQ_VENV/pythons"
# Modules run on the node's Debian python: it is the one with python3-libvirt.
# shellcheck disable=SC2034 # used by the scripts that source this file
LQ_NODE_PYTHON=/usr/bin/python3

lq_log() { printf '==> %s\n' "$*" >&2; }
lq_warn() { printf '!!! %s\n' "$*" >&2; }
lq_die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

# Ends a runner script: says whether it passed and exits with its status.
lq_verdict() {
    if (($2 == 0)); then lq_log "$1: passed"; else lq_warn "$1: FAILED"; fi
    exit "$2"
}

lq_require_venv() {
    [[ -x "$LQ_VENV/bin/ansible-playbook" ]] || lq_die "no venv at $LQ_VENV; run scripts/setup first"
}

# Cleanup actions run when the calling script exits, in reverse order of
# registration. One EXIT trap for everything, so helpers do not overwrite each other.
LQ_AT_EXIT=()
lq_run_at_exit() {
    local i
    for ((i = ${#LQ_AT_EXIT[@]} - 1; i >= 0; i--)); do eval "${LQ_AT_EXIT[i]}" || true; done
}
lq_at_exit() {
    LQ_AT_EXIT+=("$1")
    trap lq_run_at_exit EXIT
    # A signal must end the script through exit, so the EXIT trap still cleans up.
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# Make a temp dir removed at exit; its path is left in LQ_TMP. (Not printed:
# inside $(...) the subshell's exit would remove it at once.)
lq_tmpdir() {
    LQ_TMP="$(mktemp -d "${TMPDIR:-/tmp}/lq-${1:-tmp}.XXXXXX")"
    lq_at_exit "rm -rf '$LQ_TMP'"
}

# ansible-test resolves symlinks, so it needs a real copy of the collection at
# .../ansible_collections/limiquantix/storage. Refreshes such a copy of the work
# tree (untracked files included, as ansible-test would see them) for one kind of
# run (sanity, units) and prints its path.
#
# The copy keeps its own tests/output/ between runs: ansible-test builds its
# per-Python venvs there, and rebuilding them costs ~3-5 s per Python every run.
# It must live outside any git work tree: ansible-test finds the enclosing repo,
# asks git for the file list, and inside an ignored dir (tests/output) it then
# sees no files at all and passes with "All targets skipped".
lq_collection_copy() {
    local key dest
    key="$(printf '%s' "$LQ_ROOT" | sha256sum | cut -c1-12)"
    dest="${XDG_CACHE_HOME:-$HOME/.cache}/limiquantix-storage/$key/$1/ansible_collections/limiquantix/storage"
    local excludes=(--exclude=./tests/output --exclude=./.venv --exclude=./.git --exclude=./.ansible
        --exclude='__pycache__' --exclude='*.pyc')
    # A venv placed elsewhere inside the repo must not be copied either.
    case "$LQ_VENV" in "$LQ_ROOT"/*) excludes+=("--exclude=./${LQ_VENV#"$LQ_ROOT"/}") ;; esac
    mkdir -p "$dest/tests"
    # Empty the copy but for its tests/output, so files deleted from the work tree go too.
    find "$dest" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
    find "$dest/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
    tar -C "$LQ_ROOT" "${excludes[@]}" -cf - . | tar -C "$dest" -xf -
    if git -C "$dest" rev-parse --git-dir >/dev/null 2>&1; then
        lq_die "$dest is inside a git work tree; ansible-test would see no files there"
    fi
    printf '%s\n' "$dest"
}

# Plain ansible (unlike ansible-test) accepts a symlinked collection: exports
# ANSIBLE_COLLECTIONS_PATH pointing at the live work tree, so playbooks and lint
# use it without installing a copy (which could go stale unnoticed).
lq_use_work_tree_collection() {
    lq_tmpdir collections
    mkdir -p "$LQ_TMP/ansible_collections/limiquantix"
    ln -s "$LQ_ROOT" "$LQ_TMP/ansible_collections/limiquantix/storage"
    export ANSIBLE_COLLECTIONS_PATH="$LQ_TMP"
}

# PATH for running ansible-test: the interpreter symlinks first (so every
# python3.X found is a working one), then the venv's tools.
lq_ansible_test_path() {
    printf '%s:%s/bin:%s\n' "$LQ_PYTHONS" "$LQ_VENV" "$PATH"
}

# Seconds since the epoch with sub-second precision (bash 5 builtin, no fork).
lq_now() { printf '%s\n' "$EPOCHREALTIME"; }
# Seconds since START (an lq_now), with DECIMALS digits after the point (default 1).
lq_elapsed() { awk -v a="$1" -v b="$(lq_now)" -v d="${2:-1}" 'BEGIN { printf "%.*f", d, b - a }'; }
