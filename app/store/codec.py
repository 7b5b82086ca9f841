"""A session as stored bytes, and back: JSON for the small parts, raw float64 for the arrays.

Nothing here uses pickle. A session is stored as

* its config (JSON, written once: layers, data, initial parameters are all rebuilt from it by
  `build_stepper`, deterministically),
* a small head (JSON): the position (t, c), the checkpoint spacing, the learning-rate schedule,
  the number of completed iterations and the view settings,
* its parameter checkpoints other than the first (iteration 0, or an imported session's first:
  the config rebuilds it): each one the
  little-endian float64 bytes of W1, b1, W2, b2, … in that order (shapes come from the config),
* its history: one fixed-width row of float64 per completed iteration (the loss, then every
  metric in `Stepper.metric_names` order; grad_norms is one value per layer), kept in chunks of
  `CHUNK` rows.

Restoring rebuilds the stepper from the config, puts back checkpoints, schedule and history,
and walks to (t, c) with the stepper's own moves (`goto`, `next`, `prev`): every array of the
position is recomputed by the same code from the same inputs, so it is bit for bit what it was
(tests/test_store.py checks this with np.array_equal after random walks).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from dataclasses import dataclass, field

import numpy as np
import orjson

from ..engine import Diverged, Stepper
from ..pinned import PinnedRun
from ..schemas import SessionConfig
from ..sessions import Session, ViewSettings, build_stepper

FORMAT = 1
CHUNK = 256  # history rows per stored chunk: appending an iteration rewrites at most one chunk
F8 = np.dtype("<f8")


class CorruptState(ValueError):
    """Stored bytes that do not fit the session's config (or an unknown format)."""


# -- pieces ---------------------------------------------------------------------------------------
def config_json(config: SessionConfig) -> str:
    return config.model_dump_json()


def parse_config(text: str | bytes) -> SessionConfig:
    return SessionConfig.model_validate_json(text)


def encode_params(params: dict[str, np.ndarray], keys: list[str]) -> bytes:
    return b"".join(np.asarray(params[k], dtype=F8).tobytes() for k in keys)


def decode_params(blob: bytes, template: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Arrays shaped like `template` (the config's initial parameters), fresh and writable."""
    flat = np.frombuffer(blob, dtype=F8)
    if flat.size != sum(a.size for a in template.values()):
        raise CorruptState(f"a checkpoint of {flat.size} values does not fit the network")
    out, i = {}, 0
    for key, like in template.items():
        out[key] = flat[i:i + like.size].reshape(like.shape).astype(np.float64, order="C")
        i += like.size
    return out


def row_width(stepper: Stepper) -> int:
    return 1 + sum(stepper.spec.depth if name == "grad_norms" else 1
                   for name in stepper.metric_names)


def encode_row(stepper: Stepper, i: int) -> bytes:
    values = [stepper.losses[i]]
    for name in stepper.metric_names:
        x = stepper.metrics[name][i]
        if isinstance(x, list):
            values.extend(x)
        else:
            values.append(x)
    return np.array(values, dtype=F8).tobytes()


def decode_history(stepper: Stepper, rows: bytes) -> None:
    """Set the stepper's losses and metrics from concatenated rows."""
    width = row_width(stepper)
    flat = np.frombuffer(rows, dtype=F8)
    if flat.size % width:
        raise CorruptState("history rows do not fit the network")
    table = flat.reshape(-1, width).tolist()  # Python floats, as the stepper records them
    stepper.losses = [row[0] for row in table]
    metrics: dict[str, list] = {}
    col = 1
    for name in stepper.metric_names:
        if name == "grad_norms":
            depth = stepper.spec.depth
            metrics[name] = [row[col:col + depth] for row in table]
            col += depth
        else:
            metrics[name] = [row[col] for row in table]
            col += 1
    stepper.metrics = metrics


def parse_view(data: dict | None) -> ViewSettings:
    known = {f.name for f in dataclasses.fields(ViewSettings)}
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in (data or {}).items()
            if k in known}
    try:
        return ViewSettings(**args)
    except TypeError:
        return ViewSettings()


def encode_head(session: Session) -> bytes:
    s = session.stepper
    return orjson.dumps({
        "format": FORMAT,
        "t": s.t,
        "c": s.c,
        # The step done last, by name: a plan that changed since (a new version of the app)
        # would put the same count of steps at another step.
        "step": s.plan[s.c - 1].id if s.c else None,
        "every": s.checkpoint_every,
        "schedule": [[int(k), float(lr)] for k, lr in s.schedule],
        "completed": s.completed,
        "view": session.view,  # a dataclass: orjson writes its fields (tuples as arrays)
        # A pinned run's document, its JSON made once (app/pinned.py); absent when none.
        **({"pinned": orjson.Fragment(session.pinned.json_bytes)} if session.pinned else {}),
    })


# -- whole sessions -------------------------------------------------------------------------------
def restore(session_id: str, config: SessionConfig, head: bytes,
            checkpoints: dict[int, bytes], chunks: list[bytes]) -> Session:
    """The session the stored parts describe, standing exactly where it stood."""
    h = orjson.loads(head)
    if h.get("format") != FORMAT:
        raise CorruptState(f"unknown stored format {h.get('format')!r}")
    stepper, dataset = build_stepper(config)
    base = stepper.base  # 0, or the iterations of an imported history (from the config)
    initial = stepper.checkpoints[base]
    stepper.checkpoint_every = int(h["every"])
    stepper.checkpoints = {base: initial}
    for k in sorted(checkpoints):
        if k != base:
            stepper.checkpoints[int(k)] = decode_params(checkpoints[k], initial)
    stepper.schedule = [(int(k), float(lr)) for k, lr in h["schedule"]]
    decode_history(stepper, b"".join(chunks))
    if stepper.completed != h["completed"]:
        raise CorruptState(f"history has {stepper.completed} iterations, the head says "
                           f"{h['completed']}")
    walk_to(stepper, int(h["t"]), int(h["c"]))
    stored_step = h.get("step")
    if stepper.c and stored_step is not None and stepper.plan[stepper.c - 1].id != stored_step:
        # The plan changed since the position was stored: the start of the same iteration
        # is where the learner's numbers still mean what they did.
        walk_to(stepper, stepper.t, 0)
    session = Session(session_id, config, stepper, dataset, parse_view(h.get("view")))
    session.pinned = parse_pinned(h.get("pinned"))
    return session


def parse_pinned(doc: dict | None) -> PinnedRun | None:
    """The pinned run a head holds, None without one."""
    if doc is None:
        return None
    try:
        return PinnedRun.from_document(doc)
    except (ValueError, KeyError, TypeError) as err:  # pydantic's ValidationError is one too
        raise CorruptState(f"a pinned run that does not parse: {err}") from None


def walk_to(stepper: Stepper, t: int, c: int) -> None:
    """From the start, stand at iteration t with c of its steps done, using public moves only."""
    n = stepper.steps_per_iteration
    base = stepper.base
    if not (0 <= c <= n and base <= t <= stepper.completed and (c < n or t < stepper.completed)):
        raise CorruptState(f"position ({t}, {c}) is outside the stored history")
    if c == n:
        stepper.goto(t + 1)  # replays iteration t in full: (t, n)
        return
    if t == base:
        stepper.goto(base)
    else:
        stepper.goto(t)  # (t - 1, n): the next step starts iteration t
        if c == 0:
            # (t, 0): one step into iteration t and back again. A step 0 that overflows stopped
            # the original there too: Diverged leaves exactly (t, 0).
            try:
                stepper.next()
            except Diverged:
                return
            stepper.prev()
            return
    for _ in range(c):
        stepper.next()


# -- what changed since the last write ------------------------------------------------------------
@dataclass
class Written:
    """What the store holds for a session (as far as this process knows), to write only changes.

    Checkpoints and losses are compared by identity: the stepper never changes a checkpoint's
    dict or a recorded loss in place, it replaces or truncates and appends (new objects)."""

    version: int = 0
    head: bytes = b""
    checkpoints: dict[int, dict] = field(default_factory=dict)
    losses: list[float] = field(default_factory=list)
    rows: bytes = b""  # the encoded history rows, end to end (fixed width)


@dataclass
class Delta:
    head: bytes
    head_changed: bool
    checkpoints_put: dict[int, bytes]
    checkpoints_deleted: list[int]
    chunks_put: dict[int, bytes]
    chunks_total: int  # chunks that exist after this write: delete any with a higher index
    chunks_before: int
    # to update Written after a successful write:
    _checkpoints: dict[int, dict]
    _losses: list[float]
    _rows: bytes

    @property
    def changed(self) -> bool:
        return bool(self.head_changed or self.checkpoints_put or self.checkpoints_deleted
                    or self.chunks_put or self.chunks_total < self.chunks_before)


def n_chunks(rows: int) -> int:
    return -(-rows // CHUNK)


def diff(session: Session, written: Written) -> Delta:
    s = session.stepper
    head = encode_head(session)
    keys = list(s.checkpoints[s.base])
    ck_put = {k: encode_params(p, keys) for k, p in s.checkpoints.items()
              if k != s.base and written.checkpoints.get(k) is not p}
    ck_del = [k for k in written.checkpoints if k not in s.checkpoints]
    checkpoints = (dict(s.checkpoints) if ck_put or ck_del or len(s.checkpoints)
                   != len(written.checkpoints) else written.checkpoints)
    old, cur = written.losses, s.losses
    shared = min(len(cur), len(old))
    # History only ever loses its tail and grows again with new float objects: if the last
    # entry both lists have is the same object, so is every one before it (O(1) per step).
    if shared == 0 or cur[shared - 1] is old[shared - 1]:
        keep = shared
    else:
        keep = next(i for i, (a, b) in enumerate(zip(cur, old, strict=False))
                    if a is not b)
    if keep == len(cur) == len(old):
        losses, rows, chunks = old, written.rows, {}
    else:
        losses = list(cur)
        width = 8 * row_width(s)
        rows = written.rows[:keep * width] + b"".join(encode_row(s, i)
                                                      for i in range(keep, len(cur)))
        size = CHUNK * width
        chunks = {j: rows[j * size:(j + 1) * size]
                  for j in range(keep // CHUNK, n_chunks(len(cur)))}
    return Delta(head, head != written.head, ck_put, ck_del, chunks, n_chunks(len(cur)),
                 n_chunks(len(old)), checkpoints, losses, rows)


def committed(delta: Delta, version: int) -> Written:
    return Written(version, delta.head, delta._checkpoints, delta._losses, delta._rows)


def loaded(session: Session, version: int, head: bytes, rows: bytes) -> Written:
    """What the store holds for a session just restored from it (`rows`: its history chunks,
    joined)."""
    s = session.stepper
    return Written(version, head, dict(s.checkpoints), list(s.losses), rows)


# -- snapshots: a whole session in three immutable values -----------------------------------------
@dataclass(frozen=True)
class Snapshot:
    config: str  # JSON
    head: bytes  # JSON
    arrays: bytes  # np.save × 3 (no pickle): checkpoint iterations, checkpoints, history rows

    def digest(self) -> str:
        """Names the whole content: two snapshots with the same digest are the same state."""
        return hashlib.sha256(b"%s\0%s\0%s" % (blob_digest(self.config.encode()).encode(),
                                               self.head, blob_digest(self.arrays).encode())
                              ).hexdigest()


BLOB_REF = "blob:"  # a snapshot's config or arrays stored once, under the digest after this


def blob_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_key(session_id: str) -> str:
    """What a snapshot keeps of the session it came from (to count and reuse its links): a hash,
    never the id itself (the session's only credential)."""
    return hashlib.blake2b(session_id.encode(), digest_size=12).hexdigest()


def pack_arrays(arrays: list[np.ndarray]) -> bytes:
    buf = io.BytesIO()
    for a in arrays:
        np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def unpack_arrays(blob: bytes, count: int) -> list[np.ndarray]:
    buf = io.BytesIO(blob)
    return [np.load(buf, allow_pickle=False) for _ in range(count)]


def snapshot(session: Session) -> Snapshot:
    s = session.stepper
    keys = list(s.checkpoints[s.base])
    its = sorted(k for k in s.checkpoints if k != s.base)
    n_params = sum(a.size for a in s.checkpoints[s.base].values())
    ck = np.frombuffer(b"".join(encode_params(s.checkpoints[k], keys) for k in its),
                       dtype=F8).reshape(len(its), n_params)
    hist = np.frombuffer(b"".join(encode_row(s, i) for i in range(s.completed)),
                         dtype=F8).reshape(s.completed, row_width(s))
    arrays = pack_arrays([np.array(its, dtype="<i8"), ck, hist])
    return Snapshot(config_json(session.config), encode_head(session), arrays)


def from_snapshot(session_id: str, snap: Snapshot, config: SessionConfig | None = None
                  ) -> Session:
    its, ck, hist = unpack_arrays(snap.arrays, 3)
    config = config or parse_config(snap.config)
    checkpoints = {int(k): np.ascontiguousarray(row, dtype=F8).tobytes()
                   for k, row in zip(its.tolist(), ck, strict=True)}
    return restore(session_id, config, snap.head, checkpoints,
                   [np.ascontiguousarray(hist, dtype=F8).tobytes()])
