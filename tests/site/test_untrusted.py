"""User text made safe for Markdown, checked against Python-Markdown with the site's extensions."""

import re

import markdown
import pytest
import yaml

from catalog.site.render import MARKDOWN_EXTENSIONS
from catalog.site.untrusted import (
    BREAK,
    code_block,
    escape_text,
    front_matter_value,
    neutralize_markdown,
    without_title,
)
from tests.conftest import REPO
from tests.site.conftest import HOSTILE_DESCRIPTION, PageScan


def site_markdown() -> markdown.Markdown:
    """Python-Markdown as the catalog plugin configures it, plus attr_list (a user's mkdocs.yml,
    or Zensical's defaults, may add it)."""
    extensions = {**MARKDOWN_EXTENSIONS, "attr_list": {}}
    return markdown.Markdown(extensions=list(extensions), extension_configs=extensions)


def test_this_repository_s_mkdocs_yml_names_the_plugin_s_extensions():
    """mkdocs.yml spells the extensions out for Zensical (which runs no plugins): the same ones."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=Loader)
    named = {}
    for item in config["markdown_extensions"]:
        name, settings = next(iter(item.items())) if isinstance(item, dict) else (item, {})
        named[name] = settings or {}
    assert named == MARKDOWN_EXTENSIONS


def render(text: str) -> PageScan:
    return PageScan(site_markdown().convert(neutralize_markdown(text)))


def assert_inert(page: PageScan) -> None:
    """No element or attribute from user text can run script (Markdown's own images may stay)."""
    for tag, attributes in page.elements:
        assert tag not in ("script", "iframe", "object", "embed", "style", "svg", "form"), (tag, attributes)
        for name, value in attributes.items():
            assert not name.startswith("on"), (tag, attributes)
            target = re.sub(r"[\x00-\x20]", "", value or "").lower()
            assert not target.startswith(("javascript:", "vbscript:", "data:")), (tag, attributes)
        assert "xss" not in (attributes.get("class") or ""), (tag, attributes)


HOSTILE_SNIPPETS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<div onmouseover='alert(1)'>x</div>\n\ntext",
    "[a](javascript:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a](java\tscript:alert(1))",
    "[a](java\nscript:alert(1))",
    "[a](&#106;avascript:alert(1))",
    "[a](&#x6A;avascript:alert(1))",
    "[a](vbscript:msgbox(1))",
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![a](javascript:alert(1))",
    "[a][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[a](https://example.com){: onclick=\"alert(1)\" }",
    "# Heading { onclick=alert(1) }",
    "paragraph\n{: onclick=alert(1) }",
    "`code`{: onclick=alert(1)}",
    "*em*{: onclick=alert(1)}",
    "```html { onclick=alert(1) }\n<b>code</b>\n```",
    "```html title=\"<img src=x onerror=alert(1)>\"\n<b>code</b>\n```",
    "  ```\n  code\n <script>alert(1)</script>\n  ```",
    "> ```\n> <script>alert(1)</script>\n> ```",
    "text\n```\n<script>alert(1)</script>\n```",
    "```\nunclosed <script>alert(1)</script>",
    "`a\nb` <img src=x onerror=alert(1)> `c`",
    "\\`<img src=x onerror=alert(1)>`",
    "`a | <img src=x onerror=alert(1)>` | b |\n| --- | --- |\n| c | d |",
    "<!-- comment --><script>alert(1)</script>",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "=== \"<img src=x onerror=alert(1)>\"\n\n    <script>alert(1)</script>",
    "!!! note \"<img src=x onerror=alert(1)>\"\n    <script>alert(1)</script>",
    "--8<-- \"/etc/passwd\"",
    "<style>body{display:none}</style>",
    "<svg onload=alert(1)>",
]


@pytest.mark.parametrize("text", HOSTILE_SNIPPETS)
def test_hostile_markdown_renders_inert(text):
    assert_inert(render(text))


def test_the_hostile_description_renders_inert_and_readable():
    page = render(HOSTILE_DESCRIPTION)
    assert_inert(page)
    text = page.visible_text
    for shown in ('<script>alert("xss-description")</script>', '<img src=x onerror=alert("xss-img")>',
                  "{{ config.site_name }}", "{% if true %}", "{# comment #}", '<div class="xss-raw"',
                  '<script>alert("shown as code")</script>', 'inline <script>alert("xss-inline")</script>'):
        assert shown in text, shown


def test_formatting_survives():
    html = site_markdown().convert(neutralize_markdown(
        "Some **bold**, `pip install a==1.0 <pkg>`, `{{latest-image-tag}}`, a [link](https://example.com) "
        "and <https://example.com/x>.\n\n| A | B |\n| --- | --- |\n| 1 | 2 |\n\n```python\nprint('<b>')\n```\n"
    ))
    assert "<strong>bold</strong>" in html
    assert "<code>pip install a==1.0 &lt;pkg&gt;</code>" in html  # inline code kept exactly
    assert "<code>{{latest-image-tag}}</code>" in html
    assert '<a href="https://example.com">link</a>' in html
    assert '<a href="https://example.com/x">' in html
    assert "<table>" in html
    assert "&lt;b&gt;" in html and BREAK not in html.split("<pre")[1]  # fenced code verbatim


def test_headings_move_down_and_the_title_goes():
    text = without_title("# sklearn-1.5\n\nIntro\n\n## Inside\n\nSetext\n======\n")
    assert neutralize_markdown(text, demote_headings=1).split("\n") == [
        "Intro", "", "### Inside", "", "Setext", "------",
    ]


def test_code_block_cannot_be_closed_from_inside():
    block = code_block("a\n```\n````\nb", "text")
    assert block.startswith("`````text\n") and block.endswith("\n`````")
    html = site_markdown().convert(block)
    assert html.count("<pre") == 1 and "````" in html


def test_escape_text_is_inert_in_markdown_and_html():
    value = '<script>alert(1)</script> [x](javascript:y) {: onclick=z} `q` | *e* \n # h'
    html = site_markdown().convert(f"Tag: {escape_text(value)}")
    assert_inert(PageScan(html))
    assert PageScan(html).visible_text == "Tag: " + value.replace("\n", " ")


def test_front_matter_values_are_yaml_strings_holding_escaped_html():
    value = front_matter_value('a "b" <script>\n: c')
    assert yaml.safe_load(f"title: {value}")["title"] == "a &quot;b&quot; &lt;script&gt; : c"
