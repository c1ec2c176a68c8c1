"""``python -m bench.profile`` on the small corpus: every row it profiles answers 200, the logged-in ones included
(their test clients log in through the forms, as the bench's HTTP clients do)."""
import re

from bench import profile


def test_the_profiler_serves_the_logged_in_rows_after_logging_in(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PAGE_CACHE_ENTRIES", "0")
    assert profile.main(["--size", "small", "--db", str(tmp_path / "profile.db"), "--only", "logged-in",
                         "--repeat", "2"]) == 0
    rows = dict(re.findall(r"^(logged-in: [^:]+): HTTP (\d+)", capsys.readouterr().out, re.M))
    assert rows == {"logged-in: customer reads KB pages": "200", "logged-in: customer's request list": "200",
                    "logged-in: staff queue": "200", "logged-in: staff request page": "200"}
