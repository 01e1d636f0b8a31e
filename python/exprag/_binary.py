"""Finding the exprag binary: the one installed with this package (the wheel's), else
EXPRAG_BIN, else ``exprag`` on PATH."""

import os
import shutil
import sysconfig

INSTALL_HINT = (
    "install exprag with `pip install <exprag wheel>` (the wheel carries the binary) or "
    "`curl -fsSL https://github.com/exprag/exprag/releases/latest/download/install.sh | sh`, "
    "or set EXPRAG_BIN to the binary's path"
)

_EXE = "exprag.exe" if os.name == "nt" else "exprag"


def _wheel_binary():
    """The binary installed as a script of the environment this package is installed in."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    schemes = [None]
    try:
        schemes.append(sysconfig.get_preferred_scheme("user"))
    except (AttributeError, KeyError):  # Python < 3.10
        schemes.append("nt_user" if os.name == "nt" else "posix_user")
    for scheme in schemes:
        try:
            paths = sysconfig.get_paths() if scheme is None else sysconfig.get_paths(scheme)
        except KeyError:
            continue
        libs = {os.path.abspath(paths[k]) for k in ("purelib", "platlib") if k in paths}
        if here in libs and "scripts" in paths:
            candidate = os.path.join(paths["scripts"], _EXE)
            if os.path.isfile(candidate):
                return candidate
    return None


def find_binary():
    """The exprag binary to start, or None."""
    found = _wheel_binary()
    if found:
        return found
    given = os.environ.get("EXPRAG_BIN")
    if given:
        return given
    return shutil.which("exprag")


def missing_binary_error(detail):
    return RuntimeError(f"exprag: {detail}; {INSTALL_HINT}")


__all__ = ["find_binary", "missing_binary_error", "INSTALL_HINT"]
