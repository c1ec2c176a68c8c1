"""Mail to staff about requests: new in a category they follow, assigned to them, answered by the customer,
or named in an API call's ``email_staff``. Each staff member chooses on their profile page."""
