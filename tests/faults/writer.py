"""Creates requests (each with an initial note and two attachments) in a loop until killed.

Run by test_kill.py as ``python -m tests.faults.writer DATABASE_URL UPLOAD_DIR``; prints the number of
committed requests after each commit so the test knows it is mid-stream when it sends SIGKILL."""
import os
import sys
import tempfile


def main(database_url: str, upload_dir: str) -> None:
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="portico-writer-"))
    from portal import create_app
    from portal.extensions import db
    from portal.files import Upload
    from portal.requests.services import RequestInput, create_request

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_DIR": upload_dir, "SECRET_KEY": "writer",
                      "MAIL_SERVER": "", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                      "SEARCH_INDEX_DIR": os.path.join(os.environ["INSTANCE_PATH"], "search"),
                      "LOG_LEVEL": "WARNING"})
    pid = os.getpid()
    with app.test_request_context():
        for n in range(1, 1_000_000):
            uploads = [Upload(f"log-{n}.txt", f"{pid}-{n}-log ".encode() * 2000),
                       Upload(f"shot-{n}.png", f"{pid}-{n}-png ".encode() * 4000, "image/png")]
            create_request(RequestInput(note=f"Request {n} from writer {pid}", email=f"w{n % 50}@example.com",
                                        title=f"Writer {pid} #{n}"), uploads, check_spam=False)
            db.session.commit()
            print(n, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
