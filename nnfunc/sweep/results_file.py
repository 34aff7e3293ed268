"""The results file of a sweep: a JSON header naming the sweep, then one line per run.

`to_json` writes it (`Results.to_json` calls it), `save` writes it atomically, `load`
reads it back: whatever bytes the file holds, `load` returns the results or raises a
ValueError naming the file and what is wrong. It is text without a checksum: bytes
changed into another valid results file (a digit for another) read as what they say.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import attrs

from nnfunc import _checks
from nnfunc._files import StrPath, fspath, write_text
from nnfunc._records import Corrupt, field, number, optional, typed
from nnfunc.sweep.records import Failure, FrozenDict, Results, Run, Value
from nnfunc.train import History

FORMAT = "nnfunc.sweep"
"""The name of the results file layout (its `format` field)."""
FORMAT_VERSION = 1
"""The name and version of the results file layout this module writes and reads."""


def _run_record(config_index: int, run: Run, times: bool) -> dict[str, object]:
    history = run.history
    record: dict[str, object] = {
        "config": config_index,
        "seed": run.seed,
        "metrics": dict(run.metrics),
        "history": None if history is None else {"names": history.names, "rows": history.rows},
        "error": None if run.error is None else attrs.asdict(run.error),
    }
    if times:
        record["seconds"] = run.seconds
    return record


def header(results: Results) -> str:
    """The JSON fields that name the sweep of `results`: format, version, configs, seeds."""
    fields = [
        f'"format": {json.dumps(FORMAT)}',
        f'"version": {FORMAT_VERSION}',
        f'"configs": {json.dumps([dict(config) for config in results.configs])}',
        f'"seeds": {json.dumps(list(results.seeds))}',
    ]
    return ",\n ".join(fields)


def to_json(results: Results, times: bool = True) -> str:
    """The results file's text: the header, then one JSON line per run (with its wall time
    unless `times` is False)."""
    times = _checks.boolean("times", times)
    index = {config: i for i, config in enumerate(results.configs)}
    runs = ",\n".join(
        "  " + json.dumps(_run_record(index[run.config], run, times)) for run in results.runs
    )
    return "{" + header(results) + ',\n "runs": [\n' + runs + "\n ]\n}\n"


def save(path: StrPath, results: Results) -> None:
    """Write `results` to the file `path`, atomically."""
    write_text(path, to_json(results))


def _parse_history(record: object) -> History | None:
    if record is None:
        return None
    names = field(record, "names", list, "a history")
    if not all(isinstance(name, str) for name in names):
        raise Corrupt(f"history names must be strings, found {names!r:.200}")
    rows = tuple(
        tuple(number(value, "a history value") for value in typed(row, list, "a history row"))
        for row in field(record, "rows", list, "a history")
    )
    if any(len(row) != len(names) for row in rows):
        raise Corrupt(f"every history row must have {len(names)} values, one per name")
    return History(tuple(names), rows)


def _parse_run(record: object, configs: Sequence[FrozenDict[Value]]) -> Run:
    where = "a run"
    index = field(record, "config", int, where)
    if not 0 <= index < len(configs):
        raise Corrupt(f"config index {index} is not one of the {len(configs)} configs")
    error = optional(record, "error", dict, where)
    metrics = field(record, "metrics", dict, where)
    return Run(
        configs[index],
        field(record, "seed", int, where),
        FrozenDict.of({str(name): number(value, "a metric") for name, value in metrics.items()}),
        _parse_history(field(record, "history", object, where)),
        None
        if error is None
        else Failure(
            field(error, "type", str, "an error"), field(error, "message", str, "an error")
        ),
        number(field(record, "seconds", object, where), "field 'seconds'"),
    )


def _from_json(value: object) -> Value:
    """A config value read back from JSON: its lists were tuples."""
    if isinstance(value, list):
        return tuple(_from_json(item) for item in value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise Corrupt(f"a config value must be a JSON scalar or list, found {value!r:.200}")


def parse(document: object) -> Results:
    """The results a parsed results file holds; ValueError (`Corrupt`) saying what is wrong."""
    where = "the file"
    if field(document, "format", str, where) != FORMAT:
        raise Corrupt(f"the format is not {FORMAT!r}")
    version = field(document, "version", int, where)
    if version != FORMAT_VERSION:
        raise Corrupt(f"format version {version}; this nnfunc reads version {FORMAT_VERSION}")
    configs = tuple(
        FrozenDict.of({str(k): _from_json(v) for k, v in typed(c, dict, "a config").items()})
        for c in field(document, "configs", list, where)
    )
    seeds = tuple(typed(s, int, "a seed") for s in field(document, "seeds", list, where))
    runs = tuple(_parse_run(record, configs) for record in field(document, "runs", list, where))
    return Results(configs, seeds, runs)


def load(path: StrPath) -> Results:
    """The results in the file `path` that `run` wrote (possibly of an unfinished sweep).

    Raises OSError if the file cannot be read, ValueError naming the file if it does
    not hold results in this module's format (whatever its bytes).
    """
    source = fspath("path", path)
    with open(source, "rb") as file:
        contents = file.read()
    try:
        return parse(json.loads(contents.decode("utf-8")))
    except (ValueError, RecursionError) as error:  # JSON, UTF-8, Results' own checks
        raise ValueError(f"{source!r} is not an nnfunc sweep results file: {error}") from None


__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "header",
    "load",
    "parse",
    "save",
    "to_json",
]
