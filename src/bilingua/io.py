"""Reading inputs and writing outputs safely."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .errors import InputError


def decode(data: bytes, name: str, *, strip_bom: bool = True) -> str:
    """UTF-8, or an :class:`InputError` that says where it broke.

    ``strip_bom=False`` keeps a byte-order mark as text, as sacrebleu reads
    evaluation files (it is part of the first segment there).
    """
    try:
        return data.decode("utf-8-sig" if strip_bom else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. `iconv -f latin1 -t utf-8`"
        ) from None


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """A file's bytes, or an :class:`InputError` naming the file and what is wrong."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"file '{p}' does not exist") from None
    except IsADirectoryError:
        raise InputError(f"'{p}' is a folder, not a file") from None
    except PermissionError:
        raise InputError(f"file '{p}' cannot be read (permission denied)") from None


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file; ``-`` reads standard input."""
    if os.fspath(path) == "-":
        return decode(sys.stdin.buffer.read(), "standard input")
    return decode(read_bytes(path), f"'{Path(path)}'")


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return pa.resolve() == pb.resolve()


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one, never half."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"output folder '{parent}' does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if p.exists():
            os.chmod(tmp, p.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
