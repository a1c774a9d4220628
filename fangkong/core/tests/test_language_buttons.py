"""Language buttons name each language in itself, whatever the page's language."""

import pytest


@pytest.mark.parametrize("page_language", ["zh-hans", "zh-hant", "en"])
def test_language_buttons_are_named_in_their_own_language(client, commander, page_language):
    client.cookies["django_language"] = page_language
    for logged_in in (False, True):
        if logged_in:
            client.force_login(commander)
        content = client.get("/accounts/login/" if not logged_in else "/").content.decode()
        assert 'lang="en">English</button>' in content
        assert 'lang="zh-hans">简体中文</button>' in content
        assert 'lang="zh-hant">繁體中文</button>' in content
        assert "英语" not in content and "英語" not in content
