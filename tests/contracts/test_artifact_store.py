"""Every artifact store passes the same contract: local directory, memory://, and S3 (moto)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from loom.core.errors import InvalidInputError, NotFoundError
from loom.storage.artifacts import ArtifactStore, open_artifact_store


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto) on loopback."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=["local", "memory", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    if request.param == "local":
        return open_artifact_store(str(tmp_path / "artifacts"))
    if request.param == "memory":
        return open_artifact_store(f"memory://loom-test-{os.getpid()}-{id(tmp_path)}")
    endpoint = request.getfixturevalue("s3_endpoint")
    import boto3

    bucket = f"loom-{abs(hash(str(tmp_path))) % 10**8}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=bucket)
    options = {
        "key": "test",
        "secret": "test",
        "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"},
    }
    return open_artifact_store(f"s3://{bucket}/loom", options)


def test_put_bytes_then_read_back(store: ArtifactStore) -> None:
    store.put_bytes(b"hello", "a/b/c.txt")
    assert store.exists("a/b/c.txt")
    assert store.read_bytes("a/b/c.txt") == b"hello"
    with store.local_path("a/b/c.txt") as path:
        assert path.read_bytes() == b"hello"


def test_put_file_and_dir_list_and_delete(store: ArtifactStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "one.bin").write_bytes(b"1")
    (src / "sub" / "two.bin").write_bytes(b"22")
    store.put_dir(src, "models/m1")
    store.put_file(src / "one.bin", "files/one.bin")
    assert list(store.list("models/m1")) == [
        "models/m1/one.bin",
        "models/m1/sub/two.bin",
    ]
    with store.local_path("models/m1") as path:
        assert (path / "sub" / "two.bin").read_bytes() == b"22"
    store.delete("models/m1")
    assert not store.exists("models/m1")
    assert store.exists("files/one.bin")


def test_missing_key_is_not_found(store: ArtifactStore) -> None:
    assert not store.exists("nope/x")
    with pytest.raises(NotFoundError):
        store.read_bytes("nope/x")


@pytest.mark.parametrize("key", ["../escape", "/abs", "a/../../b", "", "a//b"])
def test_keys_cannot_escape_the_root(store: ArtifactStore, key: str) -> None:
    with pytest.raises(InvalidInputError):
        store.put_bytes(b"x", key)


def test_crash_mid_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A put that dies half-way (the copy writes some bytes, then fails) leaves no object."""
    store = open_artifact_store(str(tmp_path / "artifacts"))
    src = tmp_path / "big.bin"
    src.write_bytes(b"x" * 1024)

    def failing_copy(
        _src: object, dst: object, *args: object, **kwargs: object
    ) -> None:
        with open(str(dst), "wb") as handle:
            handle.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr("shutil.copyfile", failing_copy)
    with pytest.raises(OSError, match="disk full"):
        store.put_file(src, "data/big.bin")
    with pytest.raises(OSError, match="disk full"):
        store.put_dir(tmp_path, "models/m")
    assert not store.exists("data/big.bin")
    assert not store.exists("models/m")
    assert list(store.list()) == []
