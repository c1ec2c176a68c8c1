"""Customer passwords are compared exactly, except that one set through the API (which HelpSpot trims)
still matches when typed with its spaces."""
from portal.accounts import services as accounts


def test_passwords_are_exact_but_api_trimmed_ones_still_match(ctx):
    _, link = accounts.start_registration("pad@example.com")  # a password chosen on the portal is kept exact
    accounts.finish_password_reset(link, " spaced pass ", " spaced pass ")
    assert accounts.authenticate_customer("pad@example.com", " spaced pass ") is not None
    accounts.set_customer_password("api@example.com", "  trimmed by api  ")
    assert accounts.authenticate_customer("api@example.com", "  trimmed by api  ") is not None
    assert accounts.authenticate_customer("api@example.com", "trimmed by api") is not None
    assert accounts.authenticate_customer("api@example.com", "trimmed") is None
