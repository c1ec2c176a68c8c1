"""version and util.getFieldLabels."""
from .conftest import php_unserialize


def test_version_formats(api):
    assert api.json("version")[1] == {"version": "2.0", "min_version": "1.7"}
    assert php_unserialize(api.call("version", output="php").data.decode()) == {"version": "2.0",
                                                                               "min_version": "1.7"}


def test_field_labels(api, build):
    public = build.field(name="Office")
    private = build.field(name="Internal", public=False)
    response, root = api.xml("util.getFieldLabels")
    tags = [c.tag for c in root]
    assert tags[:3] == ["iLastReplyBy", "fOpenedVia", "mailbox"] and tags[-1] == f"Custom{public}"
    assert root.findtext("xRequest") == "ID" and f"Custom{private}" not in tags
    assert api.json("util.getFieldLabels")[1]["ctPublicUpdates"] == "#"
