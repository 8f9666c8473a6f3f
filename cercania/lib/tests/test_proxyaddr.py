import socket

from cercania.lib.proxyaddr import ClientAddressFromProxy


def seen_address(**environ):
    seen = {}

    def app(env, start_response):
        seen["addr"] = env.get("REMOTE_ADDR")
        return [b""]

    ClientAddressFromProxy(app)(environ, lambda *a: None)
    return seen["addr"]


def test_over_the_unix_socket_the_address_nginx_gives_is_used():
    with socket.socket(socket.AF_UNIX) as peer:
        assert (
            seen_address(
                **{"gunicorn.socket": peer, "REMOTE_ADDR": "", "HTTP_X_REAL_IP": "203.0.113.7"}
            )
            == "203.0.113.7"
        )
        assert (
            seen_address(
                **{"gunicorn.socket": peer, "REMOTE_ADDR": "", "HTTP_X_REAL_IP": "2001:db8::1"}
            )
            == "2001:db8::1"
        )


def test_a_malformed_or_missing_header_leaves_the_address_unknown():
    with socket.socket(socket.AF_UNIX) as peer:
        assert (
            seen_address(
                **{"gunicorn.socket": peer, "REMOTE_ADDR": "", "HTTP_X_REAL_IP": "1.2.3.4, 5.6.7.8"}
            )
            == ""
        )
        assert seen_address(**{"gunicorn.socket": peer, "REMOTE_ADDR": ""}) == ""


def test_over_tcp_a_client_cannot_choose_its_address():
    with socket.socket(socket.AF_INET) as peer:
        assert (
            seen_address(
                **{
                    "gunicorn.socket": peer,
                    "REMOTE_ADDR": "198.51.100.4",
                    "HTTP_X_REAL_IP": "203.0.113.7",
                }
            )
            == "198.51.100.4"
        )
    assert seen_address(REMOTE_ADDR="198.51.100.4", HTTP_X_REAL_IP="203.0.113.7") == "198.51.100.4"
