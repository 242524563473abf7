"""What a design file is, by its content: a Terraform plan or state, or not (then a YAML design).

Apart from `importers.terraform` so that loading a YAML design does not import the Terraform
importer (nor the AWS one it builds on): a single `vpcsim trace` of a YAML design needs neither.
"""

from __future__ import annotations

import os
import re
import stat

from vpcsim.loader.reader import link_escapes

__all__ = ["is_terraform_json"]

_TF_KEYS = re.compile(r'"(?:format_version|terraform_version|planned_values|resource_changes|prior_state|applyable|'
                      r'resource_drift|output_changes|relevant_attributes)"\s*:')


def is_terraform_json(path: str | os.PathLike[str]) -> bool:
    """True when the file looks like `terraform show -json` output (a JSON object with format_version)."""
    path = os.fspath(path)
    if link_escapes(path):
        return False  # the reader refuses it, with the reason
    try:  # never block on a FIFO or a device: the type is checked on the descriptor
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, 4096)
    except OSError:
        return False
    finally:
        os.close(fd)
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    # Terraform writes format_version first; `jq -S` sorts it after applyable, checks, complete...
    # None of these keys is a vpcsim design's.
    return text.startswith("{") and _TF_KEYS.search(text) is not None
