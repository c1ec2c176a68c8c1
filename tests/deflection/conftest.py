from tests.search.conftest import Content, content, staff  # noqa: F401  (the search tests' builders)
