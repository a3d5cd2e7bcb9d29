"""Work on an untrusted file in a process of its own, under limits the kernel enforces.

A read's own time limit (SIGALRM, reader.time_limit) stops Python code, but native code
(calamine, zlib, the XML parsers) caught in a loop never returns to Python to notice it,
and nothing in Python caps the memory a forged file makes a parser ask for. A process of
its own, with a CPU-time limit, a bound on its address space and no core dumps (and, for
run_alone, a limit on the clock), needs no cooperation: whatever the file does, only that
process dies, and it is reported in Danish.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import pickle
import signal
import sys
import traceback
from collections.abc import Callable
from typing import TypeVar

from xlkit.errors import InvalidWorkbook, XlkitError
from xlkit.reader import READ_TIMEOUT

T = TypeVar("T")

MEMORY_LIMIT = 3 * 1024**3  # bytes of address space for one reading process
CPU_LIMIT = 2 * int(READ_TIMEOUT)  # CPU seconds for one file before its process is killed
# Seconds on the clock for one process of run_alone: also where the CPU limit does not exist
# (Windows) or cannot help (a read blocked on a hung network share)
WALL_LIMIT = 4 * int(READ_TIMEOUT)
TOO_LONG = "read-too-long"
CRASHED = "internal-error"


class ProcessDied(InvalidWorkbook):
    """The process working on a file died: killed at its CPU or clock limit, or crashed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self):
        return type(self), (self.code, str(self))


def process_context():
    """On Linux, forked processes start at once and inherit the imported modules; elsewhere
    spawn, Python's own default there (fork is unsafe with macOS's system libraries)."""
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def prepare_process() -> None:
    """Runs first in each process: a file that makes a parser ask for absurd amounts of memory
    fails in its own process instead of taking the machine down, and a process that dies
    leaves no core dump (a copy of the pupils' data) on the disk."""
    gc.freeze()  # what the process inherited is never garbage; the collector need not scan it per file
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform


def limit_cpu() -> None:
    """The kernel kills this process once it has used CPU_LIMIT more seconds of CPU (about
    2 µs; called before each file a process reads)."""
    try:
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        limit = math.ceil(usage.ru_utime + usage.ru_stime) + CPU_LIMIT
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        resource.setrlimit(resource.RLIMIT_CPU, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform


def unexpected(error: BaseException) -> str:
    """The message for a failure xlkit did not foresee (a bug, a panic in native code)."""
    return f"Uventet fejl under læsning ({type(error).__name__})."


def run_alone(label: str, function: Callable[..., T], *args, context=None) -> T:
    """function(*args) in a new limited process, its value returned here. An exception it
    raises is raised here; a process that dies raises ProcessDied naming `label` (a file)."""
    context = context or process_context()
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_run_and_send, args=(sending, function, args), daemon=True)
    process.start()
    sending.close()  # only the child writes; reading then ends when the child is gone
    try:
        outcome = receiving.recv_bytes() if receiving.poll(WALL_LIMIT) else None
        if outcome is None:  # nothing within the limit: the process is stopped
            process.kill()
            process.join()
            raise ProcessDied(TOO_LONG, f"Læsningen af {label} tog over {WALL_LIMIT} sekunder og er stoppet.")
    except EOFError:
        outcome = None
    finally:
        receiving.close()
        process.join()
    if outcome is not None:
        try:
            failed, value = pickle.loads(outcome)
        except Exception as error:  # an exception type whose arguments do not come back
            raise InvalidWorkbook(unexpected(error)) from None
        if failed:
            raise value
        return value
    if hasattr(signal, "SIGXCPU") and process.exitcode == -signal.SIGXCPU:
        raise ProcessDied(TOO_LONG, f"Læsningen af {label} brugte over {CPU_LIMIT} sekunders regnetid og er stoppet; "
                                    "filen er beskadiget eller ændret.")
    raise ProcessDied(CRASHED, f"Læsningen af {label} gik ned.")


def _run_and_send(sending, function: Callable, args: tuple) -> None:
    prepare_process()
    limit_cpu()
    try:
        outcome = (False, function(*args))
    except MemoryError:
        outcome = (True, InvalidWorkbook("Filen kræver mere hukommelse, end xlkit giver én fil; "
                                         "den er beskadiget eller ændret."))
    except XlkitError as error:
        outcome = (True, error)
    except Exception as error:  # a bug: its traceback from this process goes along
        error.add_note(traceback.format_exc())
        outcome = (True, error)
    except KeyboardInterrupt:  # Ctrl+C reaches this process too; the one waiting stops on its own
        return
    try:
        payload = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # a value or error that cannot be sent back (a structure nested too deep)
        payload = pickle.dumps((True, InvalidWorkbook(unexpected(error))))
    sending.send_bytes(payload)
    sending.close()
