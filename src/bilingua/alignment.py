"""Which source word each translated word comes from, read from the translation model itself.

Documents need it to keep inline formatting (a bold phrase, an italic word)
on the right words while translating whole sentences. The engine gives, for
each target token, the source token it attends to most
(:meth:`TranslationBackend.align`; CTranslate2 forces the translation as a
target prefix and returns its attention); this module lifts that to words.
Where the engine cannot say (transformers, a sentence split below the input
limit, tokens that do not spell the text's words), words are matched by
their relative place, which suits French and English's mostly shared order.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from .backends import Hypothesis, TranslationBackend
from .backends.base import by_place

__all__ = ["piece_words", "align_sentences", "word_groups", "source_groups", "in_order", "word_parts",
           "segments"]

_SPECIAL = frozenset({"</s>", "<pad>", "<s>"})


def piece_words(pieces: Sequence[Any]) -> list[int]:
    """The word index of each SentencePiece piece (``▁`` starts a word); -1 for special tokens."""
    out, word = [], -1
    for piece in pieces:
        if not isinstance(piece, str) or piece in _SPECIAL:
            out.append(-1)
            continue
        if piece.startswith("\u2581") or word < 0:
            word += 1
        out.append(word)
    return out


def align_sentences(
    backend: TranslationBackend, sources: Sequence[str], hypotheses: Sequence[Hypothesis],
    tokens: Sequence[Sequence[Any] | None] | None = None,
) -> list[list[int]]:
    """For each word of each ``hypotheses[k].text``, the index of the word of ``sources[k]`` it comes from.

    Links the engine gave while translating (``Hypothesis.links``) are used as
    they are (a first link marked unknown, -1, is read in a one-token forced
    pass); the other sentences it can align go to it in one call. ``tokens``
    are the sources' tokens where the caller has them (the engine read them
    already): only the others are encoded.
    """
    out = [by_place(len(h.text.split()), max(len(s.split()), 1)) for s, h in zip(sources, hypotheses)]
    # Sentences whose output is SentencePiece pieces can be aligned on tokens: their sources, encoded in one call.
    readable = [k for k, h in enumerate(hypotheses) if out[k] and h.tokens and all(isinstance(t, str) for t in h.tokens)]
    known = {k: list(t) for k in readable if tokens is not None and (t := tokens[k]) is not None}
    unknown = [k for k in readable if k not in known]
    fresh = dict(zip(unknown, backend.encode([sources[k] for k in unknown]) if unknown else []))
    encoded = {k: known[k] if k in known else fresh[k] for k in readable}
    todo = []
    for k, pieces in encoded.items():
        source, tokens = sources[k], list(hypotheses[k].tokens)
        source_word, target_word = piece_words(pieces), piece_words(tokens)
        if len(pieces) <= backend.max_input_tokens and max(target_word, default=-1) + 1 == len(out[k]) \
                and max(source_word, default=-1) + 1 == len(source.split()):
            todo.append((k, pieces, tokens, source_word, target_word))
    links = _links(backend, hypotheses, todo)
    for (k, _, _, source_word, target_word), sentence_links in zip(todo, links):
        votes: list[Counter[int]] = [Counter() for _ in out[k]]
        for j, i in enumerate(sentence_links):
            if target_word[j] >= 0 and 0 <= i < len(source_word) and source_word[i] >= 0:
                votes[target_word[j]][source_word[i]] += 1
        out[k] = [v.most_common(1)[0][0] if v else out[k][j] for j, v in enumerate(votes)]
    return out


def _links(backend: TranslationBackend, hypotheses: Sequence[Hypothesis], todo: list[Any]) -> list[list[int]]:
    """Each sentence's token links: its own where the engine gave them, else from forced passes."""
    own = [list(hypotheses[t[0]].links) if len(hypotheses[t[0]].links) == len(t[2]) else None for t in todo]
    whole = [t for t, o in zip(todo, own) if o is None]
    first = [t for t, o in zip(todo, own) if o and o[0] < 0]
    whole_links = iter(backend.align([t[1] for t in whole], [t[2] for t in whole]) if whole else [])
    first_links = iter(backend.align([t[1] for t in first], [t[2][:1] for t in first]) if first else [])
    out = []
    for o in own:
        if o is None:
            o = next(whole_links)
        elif o and o[0] < 0:
            o[0] = next(first_links)[0]
        out.append(o)
    return out


def source_groups(chunks: Sequence[str]) -> list[int]:
    """For each word of ``"".join(chunks)``, the chunk it starts in (a chunk: one formatting's text)."""

    starts = list(itertools.accumulate((len(c) for c in chunks[:-1]), initial=0))
    return [bisect.bisect_right(starts, m.start()) - 1 for m in re.finditer(r"\S+", "".join(chunks))]


def word_groups(links: list[int], owner: list[int]) -> list[int]:
    """The group (formatting) of each translated word: that of the source word it is aligned with.

    ``links`` are the translated words' source words, ``owner`` each source
    word's group. A group with words of its own that no translated word is
    aligned with still gets one: the translated word aligned nearest to it,
    if that word's group keeps others. So no formatting disappears because
    attention looked elsewhere.
    """
    if not owner:
        return [0] * len(links)
    groups = [owner[min(i, len(owner) - 1)] for i in links]
    for k in sorted(set(owner) - set(groups)):
        words = [i for i, o in enumerate(owner) if o == k]
        centre = (words[0] + words[-1]) / 2
        for j in sorted(range(len(links)), key=lambda j: abs(links[j] - centre)):
            if groups.count(groups[j]) > 1:
                groups[j] = k
                break
    return groups


def in_order(groups: list[int], count: int, *, every: bool = False) -> list[int]:
    """Groups for the translated words that keep the source's order of groups.

    Markup that must stay in its order (HTML's element tree) cannot follow
    the words where translation reorders them; this gives each group at most
    one contiguous stretch of the translation, in order, disagreeing with the
    alignment on as few words as possible (dynamic programming). A group no
    word is aligned with is left empty rather than handed a neighbour's word;
    with ``every`` (subtitle cues, which must not go blank), each group gets
    at least one word while there are words enough.
    """
    n = len(groups)
    if n == 0 or count <= 1:
        return [0] * n
    if every:
        return _every(groups, count)
    cost = [float(groups[0] != k) for k in range(count)]
    back: list[list[int]] = []
    for j in range(1, n):
        best, arg = cost[0], 0
        new, step = [0.0] * count, [0] * count
        for k in range(count):
            if cost[k] <= best:  # on a tie, stay in the same group
                best, arg = cost[k], k
            new[k], step[k] = best + (groups[j] != k), arg
        cost = new
        back.append(step)
    k = min(range(count), key=lambda g: (cost[g], g))
    out = [0] * n
    for j in range(n - 1, 0, -1):
        out[j] = k
        k = back[j - 1][k]
    out[0] = k
    return out



def _every(groups: list[int], count: int) -> list[int]:
    n = len(groups)
    if n < count:
        return list(range(n))
    inf = float("inf")
    cost = [0.0 if groups[0] == 0 else 1.0] + [inf] * (count - 1)
    back: list[list[int]] = []
    for j in range(1, n):
        new, step = [inf] * count, [0] * count
        for k in range(count):
            stay, move = cost[k], cost[k - 1] if k else inf
            best, step[k] = (stay, k) if stay <= move else (move, k - 1)
            new[k] = best + (groups[j] != k)
        cost = new
        back.append(step)
    out, k = [count - 1] * n, count - 1
    for j in range(n - 1, 0, -1):
        out[j] = k
        k = back[j - 1][k]
    out[0] = k
    return out


#: Words times chunks past which an ordered sharing is cut into windows (its dynamic programme costs that).
_CELLS = 20_000


def _windows(chunks: Sequence[str], words: Sequence[tuple[str, int]]) -> list[tuple[list[int], list[str], list[tuple[str, int]]]]:
    """Where an ordered sharing can be cut without changing it: before a source word where every translated
    word before is aligned with a source word before it and every one after with one after it (a sentence's
    words stay in their sentence), at least every 200 words. Each window: its chunks' numbers, their texts
    (a chunk the cut goes through in part), and its translated words aligned with its own source words."""
    links = [i for _, i in words]
    joined = "".join(chunks)
    starts = [m.start() for m in re.finditer(r"\S+", joined)]
    if not starts or any(not 0 <= i < len(starts) for i in links):
        return []
    suffix = list(itertools.accumulate(reversed(links), min))[::-1]
    cuts, highest, last = [], -1, 0
    for j in range(1, len(links)):
        highest = max(highest, links[j - 1])
        if highest < suffix[j] and suffix[j] - last >= 200:
            cuts.append((j, suffix[j]))
            last = suffix[j]
    at = list(itertools.accumulate((len(c) for c in chunks), initial=0))
    out, w0, s0 = [], 0, 0
    for w1, s1 in [*cuts, (len(links), len(starts))]:
        a, b = starts[s0] if s0 else 0, starts[s1] if s1 < len(starts) else len(joined)
        index = [k for k in range(len(chunks)) if at[k] < b and at[k + 1] > a or (not chunks[k] and a <= at[k] < b)]
        texts = [joined[max(a, at[k]):min(b, at[k + 1])] for k in index]
        out.append((index, texts, [(w, i - s0) for w, i in words[w0:w1]]))
        w0, s0 = w1, s1
    return out


def _every_owner(groups: list[int], owner: list[int]) -> list[int]:
    """In order, and every chunk that starts a source word gets a translated word: a chunk that starts none
    (the ``deux`` of ``un<b>deux</b>``) has its text only in a word that markup cuts, and gets it so."""
    owned = sorted(set(owner))
    rank = {k: n for n, k in enumerate(owned)}
    near = [rank.get(g, bisect.bisect_right(owned, g) - 1) for g in groups]
    return [owned[n] for n in in_order([max(n, 0) for n in near], len(owned), every=True)]


def word_parts(chunks: Sequence[str]) -> tuple[list[list[tuple[int, str]]], list[int]]:
    """Each word of ``"".join(chunks)`` as its parts, each with its chunk (one part unless markup cuts the word,
    as in ``l'<b>Union</b>``); and for each word, the chunk where the whitespace after it starts."""

    starts = list(itertools.accumulate((len(c) for c in chunks[:-1]), initial=0))
    joined = "".join(chunks)
    parts: list[list[tuple[int, str]]] = []
    gaps: list[int] = []
    for m in re.finditer(r"\S+", joined):
        a, b = m.span()
        k = bisect.bisect_right(starts, a) - 1
        word = []
        while a < b:
            end = min(b, starts[k + 1]) if k + 1 < len(starts) else b
            if end > a:
                word.append((k, joined[a:end]))
            a, k = end, k + 1
        parts.append(word)
        gaps.append(bisect.bisect_right(starts, b) - 1)
    return parts, gaps


def segments(chunks: Sequence[str], words: Sequence[tuple[str, int]], *, ordered: bool = False,
             every: bool = False) -> list[tuple[int, str]]:
    """A translation of ``"".join(chunks)`` cut where its formatting changes: (chunk, text) in translation order.

    ``chunks`` are the source's stretches of one formatting, ``words`` the
    translated words with their source words (:meth:`Translator.translate_aligned`).
    Each word goes to the chunk of its source word (:func:`word_groups`;
    ``ordered``: each chunk one stretch, in the source's order, :func:`in_order`;
    ``every``: and none left empty).
    A word that came back as a source word that markup cuts is cut the same
    way; the space between two words that were neighbours in the source lies
    in the chunk it lay in there, any other after the first; the source's
    outer whitespace stays at the ends. The texts joined are the translation.
    """
    raw = "".join(chunks)
    parts, gaps = word_parts(chunks)
    if ordered and len(words) * len(chunks) > _CELLS:
        windows = _windows(chunks, words)
        if len(windows) > 1:  # sentences apart, each shared out on its own: linear, where the whole is not
            shared: list[tuple[int, str]] = []
            for index, texts, mine in windows:
                for k, text in segments(texts, mine, ordered=True, every=every):
                    if shared and shared[-1][0] == index[k]:  # a chunk the cut went through: one piece again
                        shared[-1] = (index[k], shared[-1][1] + text)
                    else:
                        shared.append((index[k], text))
            return shared
    words = _rejoined(words, parts)
    owner = [p[0][0] for p in parts]
    groups = word_groups([i for _, i in words], owner)
    if ordered and every:
        groups = _every_owner(groups, owner)
    elif ordered:
        groups = in_order(groups, len(chunks))
    pieces = _placed(words, groups, parts, gaps, split=True)
    if ordered and [k for k, _ in pieces] != sorted(k for k, _ in pieces):
        pieces = _placed(words, groups, parts, gaps, split=False)  # a cut word would break the order
    if not pieces:
        return []
    lead, tail = raw[: len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()):]
    pieces[0] = (pieces[0][0], lead + pieces[0][1])
    pieces[-1] = (pieces[-1][0], pieces[-1][1] + tail)
    out: list[tuple[int, str]] = []
    for k, text in pieces:
        if out and out[-1][0] == k:
            out[-1] = (k, out[-1][1] + text)
        else:
            out.append((k, text))
    return out


def _rejoined(words: Sequence[tuple[str, int]], parts: list[list[tuple[int, str]]]) -> list[tuple[str, int]]:
    """The words with the pieces of one source word put back together: two sentences the splitter cut
    inside a word ("space.\\h:-D", "![[foo]]") come back as that word, glued as it was."""
    out: list[tuple[str, int]] = []
    for word, i in words:
        if out and out[-1][1] == i and 0 <= i < len(parts):
            if "".join(t for _, t in parts[i]).startswith(out[-1][0] + word):
                out[-1] = (out[-1][0] + word, i)
                continue
        out.append((word, i))
    return out


def _placed(words: Sequence[tuple[str, int]], groups: list[int], parts: list[list[tuple[int, str]]],
            gaps: list[int], *, split: bool) -> list[tuple[int, str]]:
    pieces: list[tuple[int, str]] = []
    previous = -2
    for (word, i), group in zip(words, groups):
        own = parts[i] if 0 <= i < len(parts) else []
        mine = list(own) if split and len(own) > 1 and word == "".join(t for _, t in own) else [(group, word)]
        if pieces:
            if i == previous + 1 and 0 <= previous < len(gaps) and gaps[previous] == mine[0][0] != pieces[-1][0]:
                mine[0] = (mine[0][0], " " + mine[0][1])  # the space was this chunk's in the source
            else:
                pieces[-1] = (pieces[-1][0], pieces[-1][1] + " ")
        pieces += mine
        previous = i
    return pieces
