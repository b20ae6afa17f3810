"""Reading inputs and writing outputs safely.

Inputs: text in the encoding it is found to be in (:mod:`bilingua.encoding`),
or one-line errors that say why it cannot be read. Outputs: a regular file is
replaced atomically and keeps its mode; a symlink is written through to its
target; a device, FIFO or other special file is written to directly and never
replaced; a read-only file is refused unless forced.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .encoding import Decoded, decode_bytes
from .errors import InputError

__all__ = ["decode", "decoded", "read_bytes", "read_text", "read_decoded", "check_text", "same_file", "stdin_is",
           "check_output", "write_output", "write_atomic", "replacing"]

def decode(data: bytes, name: str, *, strip_bom: bool = True, encoding: str | None = None) -> str:
    """The text of ``data``, in the encoding ``encoding`` names or the one it is found to be in (see
    :mod:`bilingua.encoding`), or an :class:`InputError` that says why it cannot be read.

    ``strip_bom=False`` keeps a UTF-8 byte-order mark as text, as sacrebleu
    reads evaluation files (it is part of the first segment there).
    """
    read = decoded(data, name, encoding)
    return "\ufeff" + read.text if read.bom and read.encoding == "utf-8" and not strip_bom else read.text


def decoded(data: bytes, name: str, encoding: str | None = None) -> Decoded:
    """:func:`decode`'s text with how it was read (its encoding, any byte-order mark): what a caller that
    writes the text back, or reports its encoding, needs."""
    read = decode_bytes(data, name, encoding)
    check_text(read.text, name)
    return read


#: Half of a UTF-16 surrogate pair standing alone: text no UTF-8 file can hold.
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(text: object, where: str) -> str:
    """``text`` if it is a str without NUL characters, else a clear ``TypeError``/:class:`InputError`."""
    if not isinstance(text, str):
        raise TypeError(f"{where}() expects a str, not {type(text).__name__}")
    nul = text.find("\x00")
    if nul != -1:
        raise InputError(f"{where}: the text has a NUL character at offset {nul}; is it a binary file or UTF-16?")
    lone = _SURROGATE.search(text)
    if lone:  # no encoder takes it (JSON's "\\ud800" gives one): the tokenizer failed with an internal error
        raise InputError(f"{where}: the text has a lone surrogate (U+{ord(lone.group()):04X}) at offset {lone.start()}")
    return text


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


def read_decoded(path: str | os.PathLike[str], encoding: str | None = None) -> Decoded:
    """A text file's text and how it was read (its encoding, any byte-order mark); ``-`` reads standard
    input. ``encoding`` names the encoding instead of finding it."""
    if os.fspath(path) == "-":
        data, name = sys.stdin.buffer.read(), "standard input"
    else:
        data, name = read_bytes(path), f"'{Path(path)}'"
    return decoded(data, name, encoding)


def read_text(path: str | os.PathLike[str], encoding: str | None = None) -> str:
    """A text file's text (see :func:`read_decoded`); ``-`` reads standard input."""
    return read_decoded(path, encoding).text


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file (same device and inode; the same resolved path if either is missing)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def stdin_is(path: str | os.PathLike[str]) -> bool:
    """Whether standard input is the regular file ``path`` (``cmd -o f < f``)."""
    try:
        st_in, st_out = os.fstat(sys.stdin.fileno()), os.stat(path)
    except (OSError, AttributeError, ValueError):
        return False
    return stat.S_ISREG(st_in.st_mode) and (st_in.st_dev, st_in.st_ino) == (st_out.st_dev, st_out.st_ino)


def check_output(path: str | os.PathLike[str], *, force: bool = False) -> None:
    """Refuse an output location that cannot be written, before any work is done."""
    p = Path(path)
    try:
        st = p.stat()  # follows a symlink to what it points at
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(f"output '{p}' cannot be used ({exc.strerror})") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError(f"output '{p}' is a folder; name a file")
    if st is not None and not stat.S_ISREG(st.st_mode):
        return  # a device, FIFO or socket: written to directly
    if st is not None and not st.st_mode & 0o222 and not force:
        raise InputError(f"output '{p}' is read-only; use --force to replace it")
    parent = Path(os.path.realpath(p)).parent
    if not parent.is_dir():
        raise InputError(f"output folder '{parent}' does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"output folder '{parent}' is not writable")


def write_output(path: str | os.PathLike[str], text: str | bytes, *, force: bool = False) -> None:
    """Write ``text`` (as UTF-8), or bytes already encoded, to ``path``: atomically to a regular file,
    directly to a device or FIFO."""
    check_output(path, force=force)
    try:
        special = not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        special = False
    # /dev/stdout, /dev/fd/N, /proc/self/fd/N name an open descriptor: write to it, whatever it is.
    data = text.encode("utf-8") if isinstance(text, str) else text
    if special or os.fspath(path).startswith(("/dev/std", "/dev/fd/", "/proc/")):
        with open(path, "wb") as fh:
            fh.write(data)
        return
    with replacing(os.path.realpath(path)) as tmp:
        tmp.write_bytes(data)


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one, never half.

    An existing file keeps its permission bits; a new one gets the umask's.
    """
    with replacing(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)


@contextlib.contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path`` to write; fsynced and renamed onto ``path`` if the block succeeds."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"output folder '{parent}' does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if p.exists():
            os.chmod(tmp, stat.S_IMODE(p.stat().st_mode))
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

