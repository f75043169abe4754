"""What wbcs promises about the files a user feeds it (issue 12), one test per promise.

Read this file as the list: nothing a user (careless or hostile) gives wbcs can run as a
spreadsheet formula, leak a phone number, ID number or e-mail, load an unverified model,
exhaust the machine, overwrite or half-write a file, leave a stale one behind, or end in a
traceback instead of one clear line and exit code 2.
"""

from __future__ import annotations

import pytest

from wbcs.errors import InputError
from wbcs.yamlsafe import load_yaml

# --------------------------------------------------------------------------- 4. resource bombs


def _anchor_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\nname: *a{levels - 1}\n"


def test_yaml_anchor_bomb_is_refused_before_it_expands(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(_anchor_bomb(), encoding="utf-8")
    assert path.stat().st_size < 2000  # ~1 KB that would expand to 9^9 values
    with pytest.raises(InputError, match=r"scenario.yaml: expands to [\d,]+ values"):
        load_yaml(path)
    # ordinary anchors and aliases still work
    assert load_yaml("x.yaml", text="a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize("content, message", [
    (b"a: [\n", "not valid YAML"),
    (b"[" * 100_000, "nested too deeply|not valid YAML"),
    ("名字: 测试\n".encode("gbk"), "not UTF-8"),
    (b"a: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
])
def test_yaml_errors_are_one_line(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as e:
        load_yaml(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(InputError, match="a folder"):
        load_yaml(tmp_path)
