"""Dataset import through the API: versions, uploads, roots, malformed files."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.api import Api

pytestmark = pytest.mark.slow


def _import(api: Api, name: str, path: str) -> dict[str, Any]:
    job = api.ok(
        "POST",
        "/datasets/imports",
        json={"name": name, "source": {"kind": "file", "path": path}},
    )
    return api.wait_job(job["id"])


def test_reimport_same_data_keeps_version_and_new_data_adds_one(
    api: Api, iris_frame: Any
) -> None:
    first = api.import_csv("iris", iris_frame)
    again = api.import_csv("iris", iris_frame)
    assert again["latest_version"]["version"] == 1
    assert (
        again["latest_version"]["content_hash"]
        == first["latest_version"]["content_hash"]
    )
    changed = api.import_csv("iris", iris_frame.head(100))
    assert changed["latest_version"]["version"] == 2
    assert changed["latest_version"]["row_count"] == 100
    versions = api.ok("GET", "/datasets/iris/versions")
    assert [v["version"] for v in versions["items"]] == [2, 1]
    preview = api.ok("GET", "/datasets/iris/preview?version=1")
    assert preview["version"] == 1 and len(preview["rows"]) > 0


def test_malformed_csv_fails_the_job_naming_the_line_and_registers_nothing(
    api: Api,
) -> None:
    api.data_dir.mkdir(parents=True, exist_ok=True)
    bad = api.data_dir / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n4,5,6\n7,8,9,10,11\n")
    job = _import(api, "bad", str(bad))
    assert job["state"] == "failed"
    assert "line 4" in job["error"], job["error"]
    assert api.call("GET", "/datasets/bad").status_code == 404
    assert api.ok("GET", "/datasets")["total"] == 0
    state = api.client.app.state.loom  # type: ignore[attr-defined]
    assert [k for k in state.artifacts.list() if "datasets" in k] == []


def test_paths_outside_the_data_roots_are_refused_before_a_job(api: Api) -> None:
    for path in [
        "/etc/passwd",
        "../../../etc/passwd",
        str(api.data_dir / ".." / "loom.db"),
    ]:
        response = api.call(
            "POST",
            "/datasets/imports",
            json={
                "name": "x",
                "source": {"kind": "file", "path": path, "format": "csv"},
            },
        )
        assert response.status_code == 403, (path, response.text)
        assert "outside the configured data roots" in response.json()["detail"]
    assert api.ok("GET", "/jobs")["total"] == 0


def test_image_folders_outside_the_data_roots_are_refused_before_a_job(
    api: Api,
) -> None:
    for path in ["/etc", "../..", str(api.data_dir / "..")]:
        response = api.call(
            "POST",
            "/datasets/imports",
            json={"name": "x", "source": {"kind": "image_folder", "path": path}},
        )
        assert response.status_code == 403, (path, response.text)
        assert "outside the configured data roots" in response.json()["detail"]
    assert api.ok("GET", "/jobs")["total"] == 0


def test_image_folder_inside_the_roots_imports_by_relative_path(api: Api) -> None:
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    pairs = zip(digits.images[:20], digits.target[:20], strict=True)
    for i, (image, label) in enumerate(pairs):
        folder = api.data_dir / "digits" / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray((image * 16).astype("uint8")).save(folder / f"{i}.png")
    job = api.ok(
        "POST",
        "/datasets/imports",
        json={"name": "digits", "source": {"kind": "image_folder", "path": "digits"}},
    )
    assert api.wait_job(job["id"])["state"] == "succeeded"
    version = api.ok("GET", "/datasets/digits")["latest_version"]
    assert version["row_count"] == 20
    names = [c["name"] for c in version["columns"]]
    assert names[:2] == ["pixel_0", "pixel_1"] and "label" in names


def test_upload_imports_a_file(api: Api, iris_frame: Any) -> None:
    content = iris_frame.head(20).to_csv(index=False).encode()
    response = api.call(
        "POST",
        "/datasets/uploads",
        data={"name": "uploaded"},
        files={"file": ("../../evil name.csv", content, "text/csv")},
    )
    assert response.status_code == 202, response.text
    assert api.wait_job(response.json()["id"])["state"] == "succeeded"
    dataset = api.ok("GET", "/datasets/uploaded")
    assert dataset["latest_version"]["row_count"] == 20
    uploads = list((api.settings.uploads_dir).rglob("*.csv"))
    assert len(uploads) == 1 and uploads[0].is_relative_to(api.settings.uploads_dir)


def test_sql_import_from_sqlite(api: Api, iris_frame: Any) -> None:
    import sqlite3

    api.data_dir.mkdir(parents=True, exist_ok=True)
    db_path = api.data_dir / "source.db"
    with sqlite3.connect(db_path) as conn:
        iris_frame.to_sql("iris", conn, index=False)
    job = api.ok(
        "POST",
        "/datasets/imports",
        json={
            "name": "from-sql",
            "source": {
                "kind": "sql",
                "url": f"sqlite:///{db_path}",
                "query": "SELECT * FROM iris WHERE species = 'setosa'",
            },
        },
    )
    assert api.wait_job(job["id"])["state"] == "succeeded"
    assert api.ok("GET", "/datasets/from-sql")["latest_version"]["row_count"] == 50


def test_invalid_dataset_name_is_422(api: Api) -> None:
    response = api.call(
        "POST",
        "/datasets/imports",
        json={"name": "../x", "source": {"kind": "file", "path": "a.csv"}},
    )
    assert response.status_code == 422 and "name" in response.json()["detail"]


def test_sql_passwords_never_show_in_jobs_or_errors(api: Api) -> None:
    url = "postgresql+psycopg://loom:hunter2@127.0.0.1:9/nowhere"
    job = api.ok(
        "POST",
        "/datasets/imports",
        json={
            "name": "secret",
            "source": {"kind": "sql", "url": url, "query": "SELECT 1"},
        },
    )
    assert "hunter2" not in str(job)
    done = api.wait_job(job["id"])
    assert done["state"] == "failed"
    assert "hunter2" not in str(done)
    assert (
        done["params"]["source"]["url"]
        == "postgresql+psycopg://loom:***@127.0.0.1:9/nowhere"
    )
    assert "hunter2" not in api.call("GET", f"/jobs/{job['id']}/logs").text
