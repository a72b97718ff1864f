"""Durability: acknowledged writes survive kill -9; a torn WAL tail is ignored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from loom.vectors.collection import Collection
from loom.vectors.wal import WalRecord
from tests.vectors.conftest import make_schema

DIM = 16
BATCH = 5

# The child creates the collection, then inserts batches forever, printing
# each batch's first id only after insert() returned (i.e. was acknowledged).
CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import numpy as np
    from loom.vectors.collection import Collection
    from loom.vectors.schema import CollectionSchema

    directory, dim, batch = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    schema = CollectionSchema(
        name="stream", dim=dim, index="HNSW16", fields=[{"name": "n", "type": "int"}]
    )
    c = Collection.create(directory, schema)
    start = 0
    while True:
        ids = np.arange(start, start + batch)
        vectors = np.stack([np.random.default_rng(i).standard_normal(dim) for i in ids])
        c.insert(ids, vectors, {"n": [int(i) * 2 for i in ids]})
        print(start, flush=True)
        if start == 40 * batch:
            c.snapshot()  # so replay runs on top of a snapshot, not from empty
        start += batch
    """
)


def _expected_vector(i: int) -> np.ndarray:
    return np.random.default_rng(i).standard_normal(DIM).astype(np.float32)


def test_acknowledged_inserts_survive_kill_9(tmp_path: Path) -> None:
    directory = tmp_path / "stream"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(directory), str(DIM), str(BATCH)],
        stdout=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[int] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        acknowledged.append(int(line))
        if len(acknowledged) >= 80:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    acknowledged += [int(line) for line in proc.stdout.read().split()]

    c = Collection.open(directory)
    ids = [s + j for s in acknowledged for j in range(BATCH)]
    got = c.get(ids)
    assert got.missing == []
    assert got.vectors is not None
    expected = np.stack([_expected_vector(i) for i in ids])
    assert np.array_equal(got.vectors, expected)
    assert got.fields["n"] == [2 * i for i in ids]
    # Rows past the last acknowledged batch may exist (written, not yet
    # acknowledged); none may be torn or missing in between.
    assert c.count() in {len(ids), len(ids) + BATCH}
    assert c.search(expected[:3], 1).ids[:, 0].tolist() == ids[:3]


def test_torn_wal_tail_is_ignored_and_earlier_records_kept(tmp_path: Path) -> None:
    directory = tmp_path / "items"
    script = textwrap.dedent(
        """
        import os, sys
        from pathlib import Path
        import numpy as np
        from loom.vectors.collection import Collection
        from tests.vectors.conftest import make_schema
        c = Collection.create(Path(sys.argv[1]), make_schema("Flat"))
        for start in (0, 10, 20):
            c.insert(np.arange(start, start + 10), np.ones((10, 16)) * start)
        os._exit(0)  # no close(): the WAL is all there is
        """
    )
    subprocess.run(
        [sys.executable, "-c", script, str(directory)], check=True, cwd=Path.cwd()
    )
    wal = directory / "wal.log"
    intact = wal.stat().st_size
    record = WalRecord("upsert", 4, np.arange(30, 40), np.ones((10, 16), np.float32))
    with wal.open("ab") as fh:
        fh.write(record.encode()[:-7])  # a crash in the middle of write()

    c = Collection.open(directory)
    assert c.count() == 30
    assert c.get([30]).missing == [30]
    assert wal.stat().st_size == intact  # the torn bytes were cut off
    c.insert([99], np.zeros((1, 16)))
    c.close()
    assert Collection.open(directory).count() == 31


def test_corrupted_record_stops_replay_at_the_last_good_one(tmp_path: Path) -> None:
    directory = tmp_path / "items"
    c = Collection.create(directory, make_schema("Flat"))
    c.close()
    wal = directory / "wal.log"
    records = [
        WalRecord("upsert", s, np.array([s]), np.full((1, 16), s, np.float32), {})
        for s in (1, 2, 3)
    ]
    blobs = [r.encode() for r in records]
    damaged = bytearray(blobs[2])
    damaged[-1] ^= 0xFF  # flip a payload bit: the CRC no longer matches
    wal.write_bytes(blobs[0] + blobs[1] + bytes(damaged))
    again = Collection.open(directory)
    assert again.count() == 2
    assert again.get([1, 2, 3]).missing == [3]
