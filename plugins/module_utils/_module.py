# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module of the collection shares: connection options, the node, and failing clearly."""

from __future__ import annotations

import typing as t

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._libvirt import DEFAULT_URI, connect
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node

CONNECTION_ARGUMENT_SPEC: t.Dict[str, t.Any] = dict(
    uri=dict(type="str", default=DEFAULT_URI),
)


class LqModule:
    """An AnsibleModule with the collection's connection options and error handling."""

    def __init__(self, argument_spec: t.Dict[str, t.Any], uses_libvirt: bool = True, **kwargs: t.Any) -> None:
        spec = dict(CONNECTION_ARGUMENT_SPEC, **argument_spec) if uses_libvirt else argument_spec
        self.ansible = AnsibleModule(argument_spec=spec, **kwargs)

    @property
    def params(self) -> t.Dict[str, t.Any]:
        return self.ansible.params

    def connect(self):
        return connect(self.params["uri"])

    def node(self) -> Node:
        return Node(self.ansible.run_command, self.ansible.get_bin_path)

    def run(self, work: t.Callable[["LqModule"], t.Dict[str, t.Any]]) -> None:
        """Run ``work`` and exit with its result, or fail with the message of any :class:`LqError`."""
        try:
            result = work(self)
        except LqError as error:
            self.ansible.fail_json(msg=error.message, **error.details)
        self.ansible.exit_json(**result)

    def warn(self, warnings: t.Iterable[str]) -> None:
        for warning in warnings:
            self.ansible.warn(warning)

    def run_converge(self, requests_of: t.Callable[[t.Mapping[str, t.Any]], t.Sequence[t.Any]],
                     converge: t.Callable[..., t.Tuple[t.Dict[str, t.Any], t.List[str]]],
                     list_option: str, single_key: str) -> None:
        """Converge the objects of a task (validated before anything connects); the single-object form also
        returns its object under ``single_key``."""
        def work(module: "LqModule") -> t.Dict[str, t.Any]:
            requests = requests_of(module.params)
            result, warnings = converge(requests, module.connect(), module.node(), module.ansible.check_mode,
                                        module.ansible._diff)
            module.warn(warnings)
            if module.params[list_option] is None:
                result[single_key] = result[list_option][0]
            return result
        self.run(work)
