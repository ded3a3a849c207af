"""A request over the size limit gets the translated "too large" page, wherever it is
sent: never a server error."""

import io


def test_an_oversized_post_gets_a_clear_413_everywhere(app, login_as, monkeypatch):
    # A small limit keeps the body in memory (the test client spools big ones to disk).
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 8192)
    admin = login_as("admin")
    for url in ("/login", "/account/password", "/directory/organisations/new"):
        body = {"name_en": "x", "file": (io.BytesIO(b"0" * 9000), "big.pdf")}
        response = admin.post(url, body, content_type="multipart/form-data")
        assert response.status_code == 413, url
        assert "too large" in response.get_data(as_text=True).lower(), url
