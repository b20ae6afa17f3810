"""Reading inputs and writing outputs safely.

Inputs: UTF-8 only, with one-line errors that say how to convert anything
else. Outputs: a regular file is replaced atomically and keeps its mode; a
symlink is written through to its target; a device, FIFO or other special
file is written to directly and never replaced; a read-only file is refused
unless forced.
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

from .errors import InputError

__all__ = ["decode", "read_bytes", "read_text", "check_text", "same_file", "stdin_is", "check_output",
           "write_output", "write_atomic", "replacing"]

_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\xfe\xff", "UTF-16BE"),
    (b"\xff\xfe", "UTF-16LE"),
)


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16/32 by byte-order mark, or by where the NUL bytes of mostly-ASCII text fall."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    sample = data[:4096]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    for name, width, offset in (("UTF-32LE", 4, 0), ("UTF-32BE", 4, 3), ("UTF-16LE", 2, 0), ("UTF-16BE", 2, 1)):
        text_bytes = sample[offset::width]
        others = [sample[i] for i in range(len(sample)) if i % width != offset]
        # Mostly: a character outside Latin-1 (Œ, €) has a non-zero high byte.
        if others.count(0) >= 0.9 * len(others) and text_bytes.count(0) <= 0.1 * len(text_bytes):
            return name
    return None


def decode(data: bytes, name: str, *, strip_bom: bool = True) -> str:
    """UTF-8 text, or an :class:`InputError` that says what the bytes are and how to convert them.

    ``strip_bom=False`` keeps a UTF-8 byte-order mark as text, as sacrebleu
    reads evaluation files (it is part of the first segment there).
    """
    wide = _wide_encoding(data)
    if wide:
        raise InputError(f"{name} looks like {wide}, not UTF-8; convert it first: `iconv -f {wide} -t UTF-8`")
    try:
        text = data.decode("utf-8-sig" if strip_bom else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. `iconv -f latin1 -t UTF-8` if it is Latin-1"
        ) from None
    return check_text(text, name)


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


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file; ``-`` reads standard input."""
    if os.fspath(path) == "-":
        return decode(sys.stdin.buffer.read(), "standard input")
    return decode(read_bytes(path), f"'{Path(path)}'")


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


def write_output(path: str | os.PathLike[str], text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path``: atomically to a regular file, directly to a device or FIFO."""
    check_output(path, force=force)
    try:
        special = not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        special = False
    # /dev/stdout, /dev/fd/N, /proc/self/fd/N name an open descriptor: write to it, whatever it is.
    if special or os.fspath(path).startswith(("/dev/std", "/dev/fd/", "/proc/")):
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        return
    write_atomic(os.path.realpath(path), text)


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


def write_binary(path: str | os.PathLike[str], data: bytes, *, force: bool = False) -> None:
    """Write a binary document (a .docx) atomically: beside it, fsynced, renamed into place."""
    check_output(path, force=force)
    with replacing(path) as tmp:
        tmp.write_bytes(data)
