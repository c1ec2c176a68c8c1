"""version (public and private) and util.getFieldLabels."""
from ...requests import fields as custom_fields
from ..registry import Params, api_method

VERSION = {"version": "2.0", "min_version": "1.7"}

# The sample response's keys and labels, in its order; custom fields follow.
FIELD_LABELS = {
    "iLastReplyBy": "Replied To", "fOpenedVia": "Contacted Via", "mailbox": "Mailbox", "fOpen": "Open",
    "xRequest": "ID", "sUserId": "Customer ID", "fullname": "Customer", "sLastName": "Last Name",
    "sEmail": "Email", "sPhone": "Phone", "xPersonOpenedBy": "Opened By", "xPersonAssignedTo": "Assigned To",
    "xStatus": "Status", "sCategory": "Category", "sTitle": "Email Subject", "reqsummary": "Initial Request",
    "lastpublicnote": "Latest Public Note", "lastpublicnoteby": "Latest Public Note By",
    "dtGMTOpened": "Opened", "dtGMTClosed": "Closed", "dtGMTTrashed": "Trashed On", "lastupdate": "Last Update",
    "lastpubupdate": "Last Public Update", "lastcustupdate": "Last Customer Update", "ctPublicUpdates": "#",
    "age": "Age", "timetrack": "Time",
}


@api_method("version", "results")
def version(p: Params):
    return dict(VERSION)


@api_method("private.version", "results")
def private_version(p: Params):
    return dict(VERSION)


@api_method("util.getFieldLabels", "labels")
def util_get_field_labels(p: Params):
    """Public custom fields only: a label list is no reason to reveal internal field names."""
    labels = dict(FIELD_LABELS)
    labels.update({field.param_name: field.name for field in custom_fields.all_fields(public_only=True)})
    return labels
