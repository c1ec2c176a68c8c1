"""The baseline: a minimal Flask app, served by gunicorn with the same settings as Portico."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
