"""The sign-in throttle and the client's address (hand cases; no state database)."""
from analytics.io import accounts


def test_the_sign_in_throttle_counts_each_address_and_name_within_a_minute():
    now = [0.0]
    throttle = accounts.Throttle(3, clock=lambda: now[0])
    assert [throttle.allow("address:10.0.0.1", "name:li") for _ in range(4)] == [True, True, True, False]
    assert not throttle.allow("address:10.0.0.1", "name:wang")       # the same address, another name: still too many
    assert throttle.allow("address:10.0.0.2", "name:wang")           # another address and name
    assert not throttle.allow("address:10.0.0.3", "name:li")         # the same name from elsewhere
    now[0] = 61.0                                                    # a minute later
    assert throttle.allow("address:10.0.0.1", "name:li")


def test_the_client_address_is_the_proxys_last_forwarded_hop_only_behind_a_local_proxy():
    assert accounts.client_address("10.1.2.3", "6.6.6.6") == "10.1.2.3"           # a direct client cannot claim
    assert accounts.client_address("127.0.0.1", "6.6.6.6, 10.1.2.3") == "10.1.2.3"  # nginx appends what it saw
    assert accounts.client_address("127.0.0.1", None) == "127.0.0.1"
    assert accounts.client_address(None, None) == "—"


def test_the_doors_take_no_developer_message_and_before_sign_in_only_the_page(monkeypatch):
    from ui import doors, state
    for kind in ("clear_cache", "set_run_on_save", "load_git_info"):
        assert not doors.backmsg_allowed(kind, signed_in=True)
    for kind in ("rerun_script", "app_heartbeat", "stop_script"):
        assert doors.backmsg_allowed(kind, signed_in=False)
    for kind in ("file_urls_request", "backend_operation_request"):
        assert not doors.backmsg_allowed(kind, signed_in=False) and doors.backmsg_allowed(kind, signed_in=True)
    monkeypatch.setenv("EQUITY_AUTH_MODE", "builtin")
    viewer = accounts.Account("v", "viewer", ("320902",), False, None)
    manager = accounts.Account("m", "manager", ("320902",), False, None)
    assert not doors.signed_in({}) and doors.signed_in({state.ACCOUNT: viewer})
    assert not doors.signed_in({state.ACCOUNT: viewer}, "import") and doors.signed_in({state.ACCOUNT: manager}, "import")
    monkeypatch.setenv("EQUITY_AUTH_MODE", "single_user")
    assert doors.signed_in({}, "import")                  # one user on loopback: no sign-in to wait for
