# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception type modules turn into ``fail_json``."""

from __future__ import annotations


class LqError(Exception):
    """A failure with a message written for the operator: what failed and what to do about it."""

    def __init__(self, message: str, **details) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
