"""Read helpers for exprag JSONL runs, the skill that teaches an agent to use them, and the
``exprag-skill`` command that renders it.

They read run files written by the original Python exprag (0.1.0 to 0.1.2) and by exprag, whose
runs also hold ``run_end``, ``meta``, ``params`` and other records: every record is a mapping,
read with ``.get``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

SKILL_NAME = "exprag-jsonl"
SKILL_DESCRIPTION = (
    "Use when an agent needs to inspect exprag JSONL experiment runs under .exprag/runs, answer questions about "
    "tracked values, compare runs, or reconstruct what happened in a program."
)
HELPER_NAMES = [
    "runs_dir",
    "discover_run_files",
    "iter_records",
    "load_records",
    "run_start_records",
    "track_records",
    "summarize_runs",
    "describe_runs",
    "latest_runs",
    "describe_latest_runs",
    "parse_time",
    "records_between",
    "discover_value_paths",
    "describe_value_paths",
    "get_path",
    "select_values",
    "latest_records",
    "describe_git_states",
    "git_checkout_command",
    "git_diff_between_runs",
]

_MISSING = object()
_STORE = ".exprag"


# --- loading ---------------------------------------------------------------------------------


def runs_dir(root: Optional[Union[str, os.PathLike]] = None) -> Path:
    """The folder holding the run files: ``root`` (or ``$EXPRAG_DIR``, else ``.exprag``), plus ``runs``
    unless it already ends in ``runs``. Without either, a ``.exprag`` in a parent folder up to the top
    of the git work tree counts, as exprag keeps its store at the top of the work tree."""
    if root:
        base = Path(root)
    elif "EXPRAG_DIR" in os.environ:
        base = Path(os.environ["EXPRAG_DIR"])
    else:
        base = _nearest_store()
    return base if base.name == "runs" else base / "runs"


def _nearest_store() -> Path:
    here = Path.cwd()
    if (here / _STORE).is_dir():
        return Path(_STORE)
    # Up to the top of the git work tree, as exprag itself looks; outside one, only here.
    top = next((folder for folder in (here, *here.parents) if (folder / ".git").exists()), None)
    if top is None:
        return Path(_STORE)
    for folder in here.parents if top != here else ():
        if (folder / _STORE / "runs").is_dir():
            return folder / _STORE
        if folder == top:
            break
    # A linked worktree (a rerun's, a sweep's) without a store of its own uses its main worktree's.
    main = _main_work_tree(top)
    if main is not None and (main / _STORE / "runs").is_dir():
        return main / _STORE
    return Path(_STORE)


def _main_work_tree(top: Path) -> Optional[Path]:
    """The main worktree of the linked worktree at ``top`` (its ``.git`` file names it); None otherwise."""
    try:
        text = (top / ".git").read_text() if (top / ".git").is_file() else ""
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    gitdir = (top / text[len("gitdir:") :].strip()).resolve()
    try:
        common = (gitdir / (gitdir / "commondir").read_text().strip()).resolve()
    except OSError:
        return None
    return common.parent if common.name == ".git" else None


def discover_run_files(root: Optional[Union[str, os.PathLike]] = None) -> List[Path]:
    """The run files (``*.jsonl`` directly in the runs folder, sorted); exprag's tag and note files
    (``*.annotations.jsonl``) are not run files. ``[]`` when the folder is missing."""
    folder = runs_dir(root)
    if not folder.is_dir():
        return []
    return sorted(
        path for path in folder.glob("*.jsonl") if path.is_file() and not path.name.endswith(".annotations.jsonl")
    )


def iter_records(
    root: Optional[Union[str, os.PathLike]] = None, files: Optional[Iterable[Union[str, os.PathLike]]] = None
) -> Iterator[Dict[str, Any]]:
    """Yields every record of the run files (or of ``files``, in their order) as a dict with
    ``_source_path`` and ``_line_number`` added. A line that is not a JSON object raises
    ``ValueError("<path>:<line>: ...")``; a torn last line (a run still writing, or one that crashed
    mid-write) is skipped."""
    paths = discover_run_files(root) if files is None else files
    for path in paths:
        source = str(path)
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if not text:
                continue
            last = number == len(lines)
            try:
                record = json.loads(text)
            except json.JSONDecodeError as error:
                if last:
                    continue
                raise ValueError(f"{source}:{number}: invalid JSONL: {error}") from error
            if not isinstance(record, dict):
                raise ValueError(f"{source}:{number}: expected a JSON object")
            record["_source_path"] = source
            record["_line_number"] = number
            yield record


def load_records(
    root: Optional[Union[str, os.PathLike]] = None, files: Optional[Iterable[Union[str, os.PathLike]]] = None
) -> List[Dict[str, Any]]:
    """Every record, as ``iter_records`` yields them."""
    return list(iter_records(root=root, files=files))


# --- kinds and runs --------------------------------------------------------------------------


def run_start_records(records: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Copies of the ``run_start`` records (git state, host, process, metadata), in order."""
    return [dict(record) for record in records if record.get("kind") == "run_start"]


def track_records(records: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Copies of the ``track`` records (the tracked values), in order."""
    return [dict(record) for record in records if record.get("kind") == "track"]


def summarize_runs(records: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """One summary per run (``run_id``, ``experiment_name``, ``record_count``, ``first_created_at``,
    ``last_created_at``, ``value_keys``, ``source_paths``), oldest last record first."""
    groups: Dict[str, List[Mapping[str, Any]]] = {}
    for record in records:
        groups.setdefault(str(record.get("run_id") or "<missing>"), []).append(record)
    summaries = []
    for run_id, group in groups.items():
        times = [record.get("created_at") for record in group if isinstance(record.get("created_at"), str)]
        keys = {str(key) for record in group if isinstance(record.get("value"), Mapping) for key in record["value"]}
        sources = {record.get("_source_path") for record in group if record.get("_source_path")}
        summaries.append(
            {
                "run_id": run_id,
                "experiment_name": group[0].get("experiment_name"),
                "record_count": len(group),
                "first_created_at": min(times) if times else None,
                "last_created_at": max(times) if times else None,
                "value_keys": sorted(keys),
                "source_paths": sorted(sources),
            }
        )
    summaries.sort(key=lambda summary: summary["last_created_at"] or "")
    return summaries


_RUN_COLUMNS = ["experiment_name", "run_id", "record_count", "first_created_at", "last_created_at", "value_keys", "source_paths"]


def describe_runs(records: Iterable[Mapping[str, Any]]) -> str:
    """The runs as TSV: experiment_name, run_id, record_count, first/last created_at, value_keys, source_paths."""
    return _table(_RUN_COLUMNS, [[s[c] for c in _RUN_COLUMNS] for s in summarize_runs(records)], "No exprag runs found.")


def latest_runs(records: Iterable[Mapping[str, Any]], n: int = 5) -> List[Dict[str, Any]]:
    """The ``n`` runs with the latest records (summaries, oldest first)."""
    if n < 0:
        raise ValueError("n must be non-negative")
    if n == 0:
        return []
    return summarize_runs(records)[-n:]


def describe_latest_runs(records: Iterable[Mapping[str, Any]], n: int = 5) -> str:
    """``latest_runs`` as TSV, like ``describe_runs``."""
    return _table(_RUN_COLUMNS, [[s[c] for c in _RUN_COLUMNS] for s in latest_runs(records, n)], "No exprag runs found.")


# --- time ------------------------------------------------------------------------------------

_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: Union[str, datetime]) -> datetime:
    """A datetime from an ISO 8601 string (``Z`` and nanoseconds accepted) or a datetime; naive means UTC."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(_LONG_FRACTION.sub(r"\1", text))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def records_between(
    records: Iterable[Mapping[str, Any]],
    since: Optional[Union[str, datetime]] = None,
    until: Optional[Union[str, datetime]] = None,
) -> List[Dict[str, Any]]:
    """Copies of the records whose ``created_at`` lies between ``since`` and ``until`` (inclusive, each optional)."""
    start = parse_time(since) if since is not None else None
    end = parse_time(until) if until is not None else None
    kept = []
    for record in records:
        created = record.get("created_at")
        if not isinstance(created, str):
            continue
        moment = parse_time(created)
        if (start is None or start <= moment) and (end is None or moment <= end):
            kept.append(dict(record))
    return kept


# --- value paths -----------------------------------------------------------------------------


def _leaves(value: Any, segments: List[str], out: List[Any]) -> None:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            _leaves(item, segments + [str(key)], out)
    elif isinstance(value, (list, tuple)) and value:
        for item in value:
            _leaves(item, segments + ["[]"], out)
    else:
        out.append((".".join(segments), value))


def discover_value_paths(
    records: Iterable[Mapping[str, Any]], max_examples: int = 3, kinds: Optional[Sequence[str]] = ("track",)
) -> List[Dict[str, Any]]:
    """Every leaf path under ``value`` (``value.metrics.loss``, ``value.history.[].loss``) with its
    ``count``, first distinct ``examples``, ``is_numeric`` and ``types``; most frequent first."""
    found: Dict[str, Dict[str, Any]] = {}
    for record in records:
        if kinds is not None and record.get("kind") not in kinds:
            continue
        if "value" not in record:
            continue
        leaves: List[Any] = []
        _leaves(record["value"], ["value"], leaves)
        for path, leaf in leaves:
            entry = found.setdefault(path, {"path": path, "count": 0, "examples": [], "is_numeric": True, "types": set()})
            entry["count"] += 1
            if len(entry["examples"]) < max_examples and leaf not in entry["examples"]:
                entry["examples"].append(leaf)
            entry["types"].add(type(leaf).__name__)
            if isinstance(leaf, bool) or not isinstance(leaf, (int, float)):
                entry["is_numeric"] = False
    rows = []
    for entry in found.values():
        rows.append(
            {
                "path": entry["path"],
                "count": entry["count"],
                "examples": entry["examples"] if max_examples > 0 else [],
                "is_numeric": entry["is_numeric"],
                "types": sorted(entry["types"]),
            }
        )
    rows.sort(key=lambda row: (-row["count"], row["path"]))
    return rows


def describe_value_paths(
    records: Iterable[Mapping[str, Any]],
    contains: Optional[str] = None,
    is_numeric: Optional[bool] = None,
    max_examples: int = 3,
    limit: Optional[int] = None,
    kinds: Optional[Sequence[str]] = ("track",),
) -> str:
    """The value paths as TSV (path, count, is_numeric, types, examples), filtered by a case-insensitive
    substring ``contains`` and by ``is_numeric``, cut to ``limit`` rows."""
    rows = discover_value_paths(records, max_examples=max_examples, kinds=kinds)
    if contains is not None:
        rows = [row for row in rows if contains.lower() in row["path"].lower()]
    if is_numeric is not None:
        rows = [row for row in rows if row["is_numeric"] is is_numeric]
    if limit is not None:
        rows = rows[:limit]
    columns = ["path", "count", "is_numeric", "types", "examples"]
    return _table(columns, [[row[c] for c in columns] for row in rows], "No exprag value paths found.")


def _segments(path: Union[str, Sequence[Any]]) -> List[Any]:
    if isinstance(path, str):
        return [segment for segment in path.split(".") if segment]
    return list(path)


def _resolve(value: Any, segments: List[Any]) -> Any:
    if not segments:
        return value
    head, rest = segments[0], segments[1:]
    if isinstance(value, Mapping):
        try:
            if head in value:
                return _resolve(value[head], rest)
        except TypeError:
            pass
        return _MISSING
    if isinstance(value, (list, tuple)):
        if head == "[]":
            found = [item for item in (_resolve(element, rest) for element in value) if item is not _MISSING]
            return found if found else _MISSING
        try:
            index = int(head)
        except (TypeError, ValueError):
            return _MISSING
        if index < 0 or index >= len(value):
            return _MISSING
        return _resolve(value[index], rest)
    return _MISSING


def get_path(value: Any, path: Union[str, Sequence[Any]], default: Any = None) -> Any:
    """The value at a dotted path (``value.metrics.acc``; ``[]`` walks every list element, a number indexes)."""
    found = _resolve(value, _segments(path))
    return default if found is _MISSING else found


def select_values(records: Iterable[Mapping[str, Any]], path: Union[str, Sequence[Any]]) -> List[Dict[str, Any]]:
    """One row per record holding ``path`` (one per element for a ``[]`` path): run_id, experiment_name,
    created_at, value, _source_path, _line_number."""
    segments = _segments(path)
    wildcard = "[]" in segments
    rows = []
    for record in records:
        found = _resolve(record, segments)
        if found is _MISSING:
            continue
        for value in found if wildcard and isinstance(found, list) else [found]:
            rows.append(
                {
                    "run_id": record.get("run_id"),
                    "experiment_name": record.get("experiment_name"),
                    "created_at": record.get("created_at"),
                    "value": value,
                    "_source_path": record.get("_source_path"),
                    "_line_number": record.get("_line_number"),
                }
            )
    return rows


def latest_records(records: Iterable[Mapping[str, Any]], n: int = 20) -> List[Dict[str, Any]]:
    """The last ``n`` records by ``created_at`` (records, not runs)."""
    ordered = sorted((dict(record) for record in records), key=lambda record: record.get("created_at") or "")
    return ordered[-n:]


# --- git -------------------------------------------------------------------------------------


def _git_of(run_id: Any, records: Iterable[Mapping[str, Any]]) -> Optional[Mapping[str, Any]]:
    for record in records:
        if record.get("run_id") == run_id and record.get("kind") == "run_start":
            git = record.get("value").get("git")
            if isinstance(git, Mapping) and git:
                return git
    return None


def _exact_commit(git: Mapping[str, Any]) -> Any:
    """The commit holding the run's code: 0.1.1 kept a dirty run's snapshot in run_commit."""
    return git.get("run_commit") or git.get("commit")


def describe_git_states(records: Iterable[Mapping[str, Any]]) -> str:
    """The git state of each run as TSV: run_id, experiment_name, commit, branch, dirty."""
    seen = set()
    rows = []
    for record in records:
        if record.get("kind") != "run_start":
            continue
        run_id = record.get("run_id") or "<missing>"
        if run_id in seen:
            continue
        seen.add(run_id)
        git = record.get("value").get("git")
        if not isinstance(git, Mapping) or not git:
            continue
        rows.append([run_id, record.get("experiment_name"), git.get("commit") or "", git.get("branch") or "", git.get("dirty", False)])
    return _table(["run_id", "experiment_name", "commit", "branch", "dirty"], rows, "No git state found in run_start records.")


def git_checkout_command(run_id: str, records: Iterable[Mapping[str, Any]]) -> str:
    """The git command that restores the exact code a run started from: its recorded commit (the
    snapshot of a dirty run), never a branch tip that may have moved since."""
    git = _git_of(run_id, records)
    if git is None:
        return f"Run '{run_id}' has no git state recorded."
    commit = _exact_commit(git)
    if not commit:
        return f"Run '{run_id}' has no recoverable git reference."
    branch = git.get("run_branch") or git.get("branch")
    if git.get("run_commit") or git.get("snapshot_ref") or (isinstance(branch, str) and branch.startswith("run/")):
        return (
            f"git checkout {commit}\n# Snapshot includes uncommitted changes from the original run"
            f"{f' (branch {branch})' if branch else ''}. The base commit is in the parent: git log --oneline -1 {commit}^"
        )
    if git.get("dirty"):
        return f"git checkout {commit}\n# Run had uncommitted changes that were not recorded: this is the commit they were made on."
    return f"git checkout {commit}\n# Run was clean at commit {commit}{f' on branch {branch}' if branch and branch != 'HEAD' else ''}."


def git_diff_between_runs(from_run_id: str, to_run_id: str, records: Iterable[Mapping[str, Any]], mode: str = "diff") -> str:
    """``git diff`` (or with ``mode="log"``, ``git log --oneline``) between the code of two runs."""
    commits = []
    for run_id in (from_run_id, to_run_id):
        git = _git_of(run_id, records)
        if git is None:
            return f"Run '{run_id}' has no git state recorded."
        commits.append(_exact_commit(git))
    if not all(commits):
        return "One or both runs lack a recoverable git reference."
    if mode == "log":
        return f"git log --oneline {commits[0]}..{commits[1]}"
    return f"git diff {commits[0]}..{commits[1]}"


# --- text ------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        text = ""
    elif isinstance(value, (list, tuple, set)):
        text = ",".join(str(item) for item in value)
    elif isinstance(value, Mapping):
        text = json.dumps(value, sort_keys=True)
    else:
        text = str(value)
    return text.replace("\t", " ").replace("\n", " ")


def _table(columns: List[str], rows: List[List[Any]], empty: str) -> str:
    if not rows:
        return empty
    return "\n".join(["\t".join(columns)] + ["\t".join(_cell(value) for value in row) for row in rows])


_INTRO = """\
# Exprag JSONL Inspection

Use this skill to answer questions about exprag JSONL traces: which run did best, what changed
between runs, what a program tracked, and which code produced a result. The helpers in
`exprag.agent.skills` are the source of truth (this file is rendered by `exprag-skill`). Every
record carries `schema_version`, a wall-clock `created_at` and a monotonic per-run `elapsed_ms`.
A `run_start` record holds the git state, host and process, and optional `value.metadata`; a
`track` record holds a value the user tracked and maybe a top-level `note`. Runs recorded by
exprag also end with a `run_end` record (status, exit code, error) and may hold `meta` and
`params` records.
"""

_WORKFLOW = """\
## Workflow

1. Import the helpers as `import exprag.agent.skills as exprag`.
2. Load every record with `records = exprag.load_records()` (it finds `.exprag/runs`).
3. Print `exprag.describe_runs(records)` first, to see which runs exist.
4. For the latest runs use `exprag.describe_latest_runs(records, n=2)`; `latest_records` returns records, not runs.
5. Find what was tracked with `exprag.describe_value_paths(records)`, or narrowed: `exprag.describe_value_paths(records, contains="acc")`.
6. Read the code state with `exprag.describe_git_states(records)`.
7. Restore a run's code with the command `exprag.git_checkout_command(run_id, records)` gives.
8. Compare the code of two runs with `exprag.git_diff_between_runs(a, b, records)` (or `mode="log"`).
9. To explain a result, reconstruct the run's code from its run_start git state, and label what you infer as inferred.
10. The top-level `note` of a track record is the user's context for that value, not a value path.
11. Use `elapsed_ms` for within-run timing and `created_at` to order events across runs.
12. Pick a path from `describe_value_paths` before calling `select_values(records, path)`.
13. Use `run_start_records`, `track_records`, `records_between` and `get_path` to narrow records down.
14. A run's `run_end` record (when there is one) says how it ended: `status`, `exit_code`, `error`.
15. Cite `_source_path` and `_line_number` for every fact you report.
"""

_EXAMPLE = """\
## Example

```python
import exprag.agent.skills as exprag

records = exprag.load_records()
print(exprag.describe_runs(records))
print(exprag.describe_value_paths(records, contains='acc'))
print(exprag.select_values(records, 'value.metrics.accuracy'))
```
"""


def render_skill_markdown() -> str:
    """The skill as Markdown, with front matter, the workflow, an example and every helper."""
    parts = ["---", f"name: {SKILL_NAME}", f"description: {SKILL_DESCRIPTION}", "---", "", _INTRO, _WORKFLOW, _EXAMPLE, "## Helpers", ""]
    module = sys.modules[__name__]
    for name in HELPER_NAMES:
        helper = getattr(module, name)
        parts.append(f"### `{name}{inspect.signature(helper)}`")
        parts.append("")
        parts.append(inspect.cleandoc(helper.__doc__ or ""))
        parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"


def write_skill_markdown(path: Union[str, os.PathLike]) -> Path:
    """Writes the skill to ``path`` (its folder must exist) and returns ``Path(path)``."""
    target = Path(path)
    target.write_text(render_skill_markdown(), encoding="utf-8")
    return target


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="exprag-skill", description="Render the exprag JSONL inspection skill.")
    parser.add_argument("--write", metavar="PATH", help="write the rendered skill Markdown to PATH")
    args = parser.parse_args(argv)
    if args.write:
        print(write_skill_markdown(args.write))
    else:
        sys.stdout.write(render_skill_markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
