"""Reading a user's YAML file safely: bounded size, bounded alias expansion, one-line errors.

``yaml.safe_load`` already refuses ``!!python`` tags, but not an anchor bomb: a 1 KB file
whose anchors refer to anchors nine levels deep expands to 10⁹ values the moment
anything walks it (``str(name)``, a type check, ``to_yaml``). PyYAML builds aliases as
shared references, so the bomb is cheap to load and ruinous to use; the bound must be on
the *expanded* size. ``load_yaml`` composes the node graph first, counts the nodes it
stands for with every alias expanded (memoised per node, so counting itself is linear
in the file), and refuses a file above ``max_nodes`` before constructing anything.

Also refused with one line naming the file: a missing or unreadable path, a folder, a
file larger than ``max_bytes``, bytes that are not UTF-8, and YAML syntax errors (with
the line). Hand-written (on PyYAML's composer) because no maintained library bounds
alias expansion.

Clock times. YAML 1.1 (PyYAML) reads an unquoted ``20:00`` as the base-60 integer 1200,
so ``duty: {start: 08:00, end: 20:00}`` silently became 08:00–12:00. ``Loader`` reads such
scalars as YAML 1.2 does, as the strings they look like; ``dump_yaml`` writes every string
holding a clock time quoted, so a file it writes reads back the same under any YAML parser.

Exponents. YAML 1.1 reads a float only with a dot and a signed exponent (``1.0e+2``), so ``1e2``, ``3e-1`` and
``1.5e3`` were strings, refused as "got '1e2'" where a number was expected. ``Loader`` reads them as YAML 1.2 does,
as numbers; ``Dumper`` quotes a string that looks like one, so it reads back a string.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from wbcs.errors import InputError

MAX_BYTES = 1 << 20  # scenario, policy and route files are a few KB
MAX_NODES = 100_000  # values after alias expansion
STR = "tag:yaml.org,2002:str"
# YAML 1.1's base-60 numbers (int ``20:00``, float ``1:30.5``); YAML 1.2 dropped them
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_HAS_CLOCK = re.compile(r"[0-9]:[0-9]")
FLOAT = "tag:yaml.org,2002:float"
# YAML 1.2's floats with an exponent; those YAML 1.1 reads as floats already (1.0e+2) match its own pattern first
_EXPONENT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")


class Loader(yaml.SafeLoader):
    """PyYAML's safe loader, except that ``20:00`` is the string "20:00" (YAML 1.2), not 1200."""

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0] and _SEXAGESIMAL.match(value):
            return STR
        return super().resolve(kind, value, implicit)


class BadValue(yaml.constructor.ConstructorError):
    """Valid YAML whose data cannot be meant: a date that does not exist, a key given twice."""


def _construct_timestamp(loader: Loader, node):
    """PyYAML's date/time, or ``BadValue`` at the scalar's line for one that does not exist (``2025-02-30``
    raised a bare ``ValueError: day is out of range for month`` naming neither file nor value)."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as e:
        raise BadValue(None, None, f"{node.value} is not a real date or time ({e}); correct it (YYYY-MM-DD, "
                       "or YYYY-MM-DD HH:MM for a time)", node.start_mark) from None


def _construct_map(loader: Loader, node):
    """PyYAML's mapping, or ``BadValue`` for a key written twice in it: PyYAML keeps the last one silently
    (a second ``duty:`` section replaced the first). Keys brought in by a ``<<`` merge may be overridden."""
    first: dict = {}
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
            seen = first.setdefault((key.tag, key.value), key)
            if seen is not key:
                raise BadValue(None, None, f"{key.value!r} is given twice in one mapping (first at line "
                               f"{seen.start_mark.line + 1}); keep one", key.start_mark)
    return (yield from yaml.SafeLoader.construct_yaml_map(loader, node))


Loader.add_implicit_resolver(FLOAT, _EXPONENT, list("-+.0123456789"))
Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)


class Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper; strings with a clock time are quoted, ``datetime.time`` written 'HH:MM'."""


def _represent_str(dumper: yaml.SafeDumper, data: str):
    return dumper.represent_scalar(STR, data, style="'" if _HAS_CLOCK.search(data) else None)


def _represent_time(dumper: yaml.SafeDumper, data: dt.time):
    return _represent_str(dumper, data.isoformat("minutes" if not data.second else "seconds"))


Dumper.add_implicit_resolver(FLOAT, _EXPONENT, list("-+.0123456789"))  # the string '1e2' is written quoted
Dumper.add_representer(str, _represent_str)
Dumper.add_representer(dt.time, _represent_time)


def dump_yaml(data) -> str:
    """``data`` as YAML text that ``load_yaml`` (or any YAML 1.1/1.2 parser) reads back equal."""
    return yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False)


def _expanded_size(root) -> int:
    """Nodes ``root`` stands for with every alias expanded (an alias is the same node object)."""
    sizes: dict[int, int] = {}
    stack = [(root, False)]
    while stack:  # iterative post-order: deep nesting cannot exhaust Python's stack
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            sizes[id(node)] = 1
            continue
        if done:
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in children)
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def load_yaml(source: str | Path, *, text: str | None = None, max_nodes: int = MAX_NODES,
              max_bytes: int = MAX_BYTES):
    """The data of a YAML file (``text`` instead of reading ``source`` when given).

    Raises ``InputError`` naming ``source`` for anything a user's file can get wrong
    (see the module docstring). Only YAML's safe types are built."""
    where = str(source)
    if text is None:
        p = Path(source)
        try:
            if p.is_dir():
                raise InputError(f"{where}: a folder, not a YAML file")
            if p.stat().st_size > max_bytes:
                raise InputError(f"{where}: {p.stat().st_size:,} bytes, more than a YAML settings file "
                                 f"may hold ({max_bytes:,})")
            raw = p.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{where}: file not found") from None
        except OSError as e:
            raise InputError(f"{where}: cannot read ({e.strerror})") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InputError(f"{where}: not UTF-8 (byte {e.start}); save the file as UTF-8") from None
    elif len(text.encode("utf-8", errors="replace")) > max_bytes:
        raise InputError(f"{where}: more than a YAML settings file may hold ({max_bytes:,} bytes)")
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node)
        if size > max_nodes:
            raise InputError(f"{where}: expands to {size:,} values through its anchors and aliases "
                             f"(at most {max_nodes:,}); write the values out instead of nesting aliases")
        return loader.construct_document(node)
    except BadValue as e:
        mark = e.problem_mark
        raise InputError(f"{where}: line {mark.line + 1}, column {mark.column + 1}: {e.problem}") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{where}: not valid YAML ({e.problem or e.context}{at})") from None
    except yaml.YAMLError as e:
        raise InputError(f"{where}: not valid YAML ({str(e).splitlines()[0]})") from None
    except RecursionError:
        raise InputError(f"{where}: nested too deeply to read") from None
    finally:
        loader.dispose()
