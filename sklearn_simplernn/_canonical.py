"""The canonical form of a full-batch training set, and the content-based validation split.

Floating point sums depend on their order, and non-convex training amplifies
a last-bit difference into a different model within a few dozen iterations.
These functions make every full-batch fit a function of the data's content
alone: order-free, and with a sample weight of k equal to k copies.
"""

import numpy as np


def canonical_order(seqs, y, sample_weight):
    """The full-batch training set in a canonical form: the same J, summed the same way.

    J depends only on the multiset of (sequence, target, weight), but floating
    point sums depend on their order, and non-convex training amplifies a
    last-bit difference into a different model within a few dozen iterations.
    So the full-batch objective sums in an order fixed by the data alone:
    zero-weight sequences are left out, identical (sequence, target) pairs are
    merged into one carrying the sum of their weights, and the rest are sorted
    by length, then by a hash of their content. The fitted model is then exactly
    the same whatever the order of the training sequences, and a weight of k is
    exactly k repetitions.

    Nothing is copied: the result is an index and a weight vector.

    Returns
    -------
    indices : ndarray of int
        One sequence per distinct (sequence, target), in canonical order.
    weight : ndarray of shape (n_samples,)
        ``sample_weight`` with each group's total on its representative.
    """
    kept = np.flatnonzero(sample_weight > 0)
    lengths = seqs.lengths
    h_x = _content_hashes(seqs.data, lengths, seqs.starts)
    h_y = _target_hashes(y)
    order = kept[np.lexsort((h_y[kept], h_x[kept], -lengths[kept]))]
    keys = np.stack([lengths[order].astype(np.uint64), h_x[order], h_y[order]], axis=1)
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    # Matching hashes are checked for real equality; a (vanishingly rare)
    # collision just stays a group of its own.
    for j in np.flatnonzero(~new_group):
        a, b = order[j - 1], order[j]
        if not (np.array_equal(seqs.sequence(a), seqs.sequence(b)) and np.array_equal(_target(y, a), _target(y, b))):
            new_group[j] = True
    first_of_group = np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))
    weight = np.zeros_like(sample_weight)
    np.add.at(weight, order[first_of_group], sample_weight[order])
    return order[new_group], weight


_HASH_CHUNK_ROWS = 1 << 20


def _target_hashes(y):
    """Content hashes of each sample's target: a row of y, or a sequence of per-step targets."""
    if hasattr(y, "lengths"):  # SequenceData of per-step targets
        return _content_hashes(y.data, y.lengths, y.starts)
    return _content_hashes(y, np.ones(len(y), dtype=np.int64), np.arange(len(y)))


def _target(y, i):
    return y.sequence(i) if hasattr(y, "lengths") else y[i]


def _content_hashes(data, lengths, starts):
    """A 64-bit hash of each sequence's bits and length, vectorised, in bounded memory.

    Each value's bit pattern is multiplied by a pseudo-random odd constant of
    its (step, feature) position and the products are summed modulo 2^64, then
    mixed; equal sequences get equal hashes, and callers check equality where
    hashes match.
    """
    data = np.ascontiguousarray(data)
    n_cols = data.shape[1] if data.ndim == 2 else 1
    bits = data.view(np.uint64 if data.dtype.itemsize == 8 else np.uint32).reshape(len(data), -1)
    out = np.empty(len(lengths), dtype=np.uint64)
    ends = np.cumsum(lengths)
    n, i = len(lengths), 0
    with np.errstate(over="ignore"):
        while i < n:
            # Whole sequences, about _HASH_CHUNK_ROWS rows at a time.
            done = int(ends[i - 1]) if i else 0
            j = max(int(np.searchsorted(ends, done + _HASH_CHUNK_ROWS, side="right")), i + 1)
            lo, hi = int(starts[i]), int(ends[j - 1])
            rel = (starts[i:j] - lo).astype(np.intp)
            step = np.arange(hi - lo, dtype=np.uint64) - np.repeat(rel.astype(np.uint64), lengths[i:j])
            position = step[:, None] * np.uint64(n_cols) + np.arange(n_cols, dtype=np.uint64)
            terms = bits[lo:hi].astype(np.uint64) * (_mix(position) | np.uint64(1))
            out[i:j] = np.add.reduceat(terms.sum(axis=1, dtype=np.uint64), rel)
            i = j
        return _mix(out ^ lengths.astype(np.uint64))


def _mix(x):
    """splitmix64's finaliser: a bijective scramble of 64-bit integers."""
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def content_split(seqs, y, indices, fraction, labels=None):
    """Split ``indices`` into training and validation sequences by their content alone.

    Each (sequence, target) gets a 64-bit hash of its values; within each
    group of ``labels`` (the classes, for a stratified split; one group
    otherwise) the ``round(fraction * size)`` sequences with the smallest
    hashes are held out. The split is thus a function of the data, not of
    their order or of a random state: with duplicates merged into weights
    (:func:`canonical_order`), a sample weight of k still gives exactly the
    model that k copies give. A group too small to lend a sequence stays
    whole in training.

    Returns
    -------
    train, validation : ndarray of int
        Subsets of ``indices``, each in the order of ``indices``.
    """
    indices = np.asarray(indices)
    h_x = _content_hashes(seqs.data, seqs.lengths, seqs.starts)[indices]
    h_y = _target_hashes(y)[indices]
    with np.errstate(over="ignore"):
        h = _mix(h_x ^ (h_y * np.uint64(0x9E3779B97F4A7C15)))
    groups = np.zeros(len(indices), dtype=np.int64) if labels is None else np.asarray(labels)[indices]
    held_out = np.zeros(len(indices), dtype=bool)
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        n_val = int(round(fraction * len(members)))
        if 0 < n_val < len(members):
            held_out[members[np.argsort(h[members], kind="stable")[:n_val]]] = True
    return indices[~held_out], indices[held_out]


