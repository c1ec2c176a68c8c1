"""Where attachment bytes live: one interface, two backends, chosen by ``STORAGE_URL``.

- empty (the default) or ``file:///path``: :class:`LocalStorage`, the directory UPLOAD_DIR (or the path), one
  file per content address ``ab/cd/<sha256>``, written atomically, mode 0640. One host, or several sharing a
  network file system.
- ``s3://bucket/prefix``: :class:`S3Storage`, S3-compatible object storage through boto3, objects
  ``prefix/ab/cd/<sha256>``. The endpoint comes from ``STORAGE_S3_ENDPOINT`` (empty: AWS itself), the
  credentials and region from boto3's usual sources (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
  ``AWS_DEFAULT_REGION``, or an instance role). Every host of a help desk reads and writes the same bucket.

Both store bytes under their SHA-256 (``portal.files`` computes it), so a file is written once and an object
never changes: no host ever reads a half-written or stale file. Errors: :class:`portal.files.StorageError` when
a write is refused; ``FileNotFoundError`` (an OSError) for a file that is not there.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from flask import current_app

_HEX = re.compile(r"^[0-9a-f]{64}$")


class StorageError(Exception):
    """The store refused a write (the disk is full or read-only, the bucket is unreachable)."""


def key_for(sha256: str) -> str:
    """``ab/cd/<sha256>``; raises ValueError for anything but a content address (no path can be chosen)."""
    if not _HEX.match(sha256 or ""):
        raise ValueError("not a content address")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class Storage(Protocol):
    def put(self, sha256: str, data: bytes) -> None: ...
    def get(self, sha256: str) -> bytes: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...
    def describe(self) -> str: ...


class LocalStorage:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / key_for(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def put(self, sha256: str, data: bytes) -> None:
        target = self.path_for(sha256)
        if target.exists():
            return
        tmp = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o640)
            os.replace(tmp, target)  # atomic: a reader never sees half a file
        except OSError as exc:
            if tmp is not None:  # a full disk must not also keep the half-written file
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
            raise StorageError(f"could not store an attachment: {exc.strerror or exc}") from exc

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        """Remove a file no row refers to any more (gone already: nothing to do)."""
        self.path_for(sha256).unlink(missing_ok=True)

    def describe(self) -> str:
        return f"local directory {self.root}"


class S3Storage:
    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, timeout: float = 10.0):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                                   config=Config(connect_timeout=timeout, read_timeout=timeout,
                                                 retries={"max_attempts": 3, "mode": "standard"}))

    def _key(self, sha256: str) -> str:
        key = key_for(sha256)
        return f"{self.prefix}/{key}" if self.prefix else key

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def put(self, sha256: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if not self.exists(sha256):
                self.client.put_object(Bucket=self.bucket, Key=self._key(sha256), Body=data,
                                       ContentType="application/octet-stream")
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not store an attachment in s3://{self.bucket}: {exc}") from exc

    def get(self, sha256: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))
            return answer["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(f"s3://{self.bucket}/{self._key(sha256)}") from None
            raise OSError(f"could not read s3://{self.bucket}/{self._key(sha256)}: {exc}") from exc
        except BotoCoreError as exc:
            raise OSError(f"could not read s3://{self.bucket}/{self._key(sha256)}: {exc}") from exc

    def delete(self, sha256: str) -> None:
        """Remove an object no row refers to any more (S3 answers the same when it is gone already)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(sha256))
        except (BotoCoreError, ClientError) as exc:
            raise OSError(f"could not delete s3://{self.bucket}/{self._key(sha256)}: {exc}") from exc

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def from_config(config) -> Storage:
    url = (config.get("STORAGE_URL") or "").strip()
    if not url:
        return LocalStorage(config["UPLOAD_DIR"])
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(parts.path)
    if parts.scheme == "s3" and parts.netloc:
        return S3Storage(parts.netloc, parts.path, endpoint_url=config.get("STORAGE_S3_ENDPOINT"),
                         region=config.get("STORAGE_S3_REGION"))
    raise ValueError(f"STORAGE_URL must be empty, file:///path or s3://bucket/prefix, not {url!r}")


def current() -> Storage:
    """The app's storage (made once per app, from its config)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    made = app.extensions.get("portico_storage")
    if made is None or made[0] != (app.config.get("STORAGE_URL"), app.config.get("UPLOAD_DIR")):
        made = ((app.config.get("STORAGE_URL"), app.config.get("UPLOAD_DIR")), from_config(app.config))
        app.extensions["portico_storage"] = made
    return made[1]
