"""Secrets never reach the API: URL passwords and credential options are masked."""

from __future__ import annotations

from loom.core.redaction import redact, redact_text


def test_redact_text_masks_url_passwords_only() -> None:
    text = "could not connect to postgresql+psycopg://loom:s3cret@db:5432/x"
    assert (
        redact_text(text)
        == "could not connect to postgresql+psycopg://loom:***@db:5432/x"
    )
    assert (
        redact_text("s3://bucket/key and http://host/path")
        == "s3://bucket/key and http://host/path"
    )


def test_redact_masks_nested_secret_keys_and_urls() -> None:
    params = {
        "name": "x",
        "source": {
            "kind": "url",
            "url": "s3://bucket/data.csv",
            "storage_options": {"key": "AKIA", "secret": "abc"},
        },
        "db": [{"url": "mysql://u:p@h/db", "password": "p"}],
    }
    assert redact(params) == {
        "name": "x",
        "source": {
            "kind": "url",
            "url": "s3://bucket/data.csv",
            "storage_options": {"key": "***", "secret": "***"},
        },
        "db": [{"url": "mysql://u:***@h/db", "password": "***"}],
    }
