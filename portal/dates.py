"""UTC time helpers. The database stores naive UTC datetimes; the API speaks unix seconds."""
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def to_unix(value: datetime | None) -> int:
    """Unix seconds for a naive UTC datetime; 0 for None, as HelpSpot stores "never"."""
    if value is None:
        return 0
    return int(value.replace(tzinfo=UTC).timestamp())


def from_unix(seconds: int | float) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC).replace(tzinfo=None)
