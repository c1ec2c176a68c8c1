"""Uploads (portal.files): the size limit, and sizes as people read them."""
import pytest

from portal import files
from portal.errors import ValidationFailed


def test_small_upload_limits_are_reported_in_kilobytes(ctx, app):
    app.config["MAX_UPLOAD_BYTES"] = 500_000
    with pytest.raises(ValidationFailed, match="larger than 500 KB"):
        files.check_upload(files.Upload("big.bin", b"x" * 500_001))
    assert files.human_size(1_500_000) == "1.5 MB" and files.human_size(12) == "12 bytes"
