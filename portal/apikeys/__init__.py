"""API keys: one model for every API (HelpSpot's Bearer tokens and the REST dialects).

``models`` holds the key, ``tags`` the access-pattern matcher, ``services`` the rules (create, check a
presented key, caps, revoke). A key acts as one staff member and never has more rights than that person.
"""
