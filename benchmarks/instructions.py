"""Benchmark: CPU instructions per workbook read, this tree against a git revision.

Wall-clock A/B runs on a shared machine vary by ±10–20 %, so a 3 % change cannot be seen
in them. valgrind's callgrind counts the instructions the interpreter and calamine execute,
which barely varies between runs: the reading of each file (`consolidate._read_one`: open,
checks, calamine, template reader, per-file summary) is measured for the working tree and
for `--base` (checked out in a temporary git worktree), and the ratio printed. Start-up and
imports are subtracted by also counting a run that reads only the first two files; with a
fixed hash seed and no idle BLAS threads, repeated runs agree to within 0.1 %.

    python benchmarks/instructions.py /tmp/muni1500/small --base HEAD~1
    python benchmarks/instructions.py /tmp/muni1500/small --base 934eab8 --glob 'overblik*.xlsx' -n 10

Needs valgrind (`apt-get install valgrind`); under it Python runs about 50x slower, so keep
-n small. The folder is any set of filled workbooks, e.g. one kept by
`consolidate.py --keep`.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 2  # files read before the ones that count
# A fixed hash seed, and no BLAS worker threads (openpyxl imports numpy when it is there; its
# idle threads spin, and callgrind counts every thread's instructions)
QUIET = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
CHILD = """
import sys
from pathlib import Path
import xlkit
from xlkit.consolidate import _read_one
assert Path(xlkit.__file__).parent.parent == Path(sys.argv[4]), xlkit.__file__
for path in sorted(Path(sys.argv[1]).rglob(sys.argv[2]))[:int(sys.argv[3])]:
    result = _read_one((path, path.name, (), None, False))
    assert result.data is not None, result.message  # a failed read would count almost nothing
"""


def instructions(tree: Path, folder: Path, glob: str, files: int) -> int:
    """Instructions callgrind counts for reading `files` workbooks with the xlkit in `tree`."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, "-c", CHILD, str(folder), glob, str(files), str(tree)]
    # -c puts the working directory first on sys.path, and PYTHONPATH comes before an
    # editable install of xlkit: both point at the tree (the child checks it)
    done = subprocess.run(command, capture_output=True, text=True, cwd=tree,
                          env={**os.environ, **QUIET, "PYTHONPATH": str(tree)})
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or not found:
        sys.exit(f"valgrind failed for {tree}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_file(tree: Path, folder: Path, glob: str, files: int) -> float:
    """Steady state: the first WARM_UP files (imports, compiled patterns, caches) are read in
    both counts, so only the extra files' reading is left in the difference."""
    subprocess.run([sys.executable, "-c", CHILD, str(folder), glob, "1", str(tree)], check=True, cwd=tree,
                   env={**os.environ, "PYTHONPATH": str(tree)})  # writes the .pyc files first
    warm = instructions(tree, folder, glob, WARM_UP)
    return (instructions(tree, folder, glob, WARM_UP + files) - warm) / files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder of filled workbooks")
    parser.add_argument("--base", default="HEAD", help="git revision to compare with (default HEAD)")
    parser.add_argument("--glob", default="*.xlsx", help="which files (default *.xlsx)")
    parser.add_argument("-n", "--files", type=int, default=20, help="files to read (default 20)")
    args = parser.parse_args()
    available = len(sorted(args.folder.rglob(args.glob))[WARM_UP:WARM_UP + args.files])
    if not available:
        sys.exit(f"fewer than {WARM_UP + 1} {args.glob} under {args.folder}")
    with tempfile.TemporaryDirectory(prefix="xlkit-base-") as scratch:
        base = Path(scratch) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(base), args.base], check=True)
        try:
            before = per_file(base, args.folder, args.glob, available)
            after = per_file(ROOT, args.folder, args.glob, available)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=True)
    print(f"{available} files ({args.glob}), instructions per file read:")
    print(f"  {args.base:<12} {before / 1e6:8.2f} M")
    print(f"  {'this tree':<12} {after / 1e6:8.2f} M  ({after / before:.3f}x)")


if __name__ == "__main__":
    main()
