"""Turn untrusted catalog text (names, tags, descriptions) into Markdown that renders as text.

Everything in an environment is user input. Python-Markdown passes raw HTML through and
keeps character references in link targets, and MkDocs themes print page titles and tags
without escaping, so values are made safe here, before any of them reaches Markdown:

- ``escape_text``: a value shown as plain text in Markdown or HTML;
- ``front_matter_value``: a value in a page's YAML front matter (the theme prints it raw);
- ``neutralize_markdown``: a whole Markdown document (a description), which keeps its
  formatting but loses raw HTML, character references and dangerous link schemes;
- ``code_block``: text shown verbatim in a fenced code block.
"""

from __future__ import annotations

import html
import json
import re

# Invisible, and enough to stop a browser (and Markdown) from seeing a tag, a character
# reference or a URL scheme: "<\u200bscript>" is text, "javascript\u200b:" is no scheme.
BREAK = "\u200b"


class SafeMarkdown(str):
    """Markdown the generator vouches for: templates print it as it is."""


_TEXT_ESCAPES = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#!|~^=$"}
_TEXT_ESCAPES.update({code: " " for code in range(32)})
_TEXT_ESCAPES[0x7F] = " "


def escape_text(value: object) -> str:
    """A value as inert text, valid both in Markdown and inside HTML elements and attributes.

    Markdown and HTML metacharacters become numeric character references, which both
    render as the character itself; line breaks become spaces, so a value cannot start
    a new Markdown block.
    """
    return str(value).translate(_TEXT_ESCAPES)


def front_matter_text(value: object) -> str:
    """``value`` on one line, HTML-escaped: MkDocs and Material print front matter titles,
    descriptions and tags into HTML without escaping them."""
    return html.escape(" ".join(str(value).split()), quote=True)


# What YAML may not hold even in a quoted scalar (PyYAML's Reader refuses the whole front
# matter then, and MkDocs quietly drops it).
_NOT_YAML_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def front_matter_value(value: object) -> SafeMarkdown:
    """``front_matter_text(value)`` as a double-quoted YAML scalar.

    Non-ASCII text stays as it is: a JSON escape pair for an emoji (``\\ud83d\\ude00``)
    is two lone surrogates to YAML, and MkDocs then drops the page's front matter.
    """
    quoted = json.dumps(front_matter_text(value), ensure_ascii=False)  # JSON's escapes are YAML's too
    return SafeMarkdown(_NOT_YAML_PRINTABLE.sub(_yaml_escape, quoted))


def _yaml_escape(match: re.Match) -> str:
    code = ord(match.group())
    return "\\ufffd" if 0xD800 <= code <= 0xDFFF else f"\\u{code:04x}"  # a lone surrogate is no text


# --- descriptions ----------------------------------------------------------------

_FENCE_OPEN = re.compile(r"^( *)(`{3,}|~{3,})(.*)$")
# A fence marker after blockquote and indentation prefixes, as pymdownx.superfences finds them.
_FENCE_MARKER = re.compile(r"^([ \t>]*)(?=`{3}|~{3})")
_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-]{1,40}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ATX_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")
_SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")
_SAFE_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^\s<>\"'`{}]+>", re.IGNORECASE)
# Python-Markdown's own code span pattern (markdown.inlinepatterns.BACKTICK_RE).
_CODE_SPAN = re.compile(r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)(`+)(.+?)(?<!`)\2(?!`))")
# Outside code spans these only ever mean syntax we do not want from users: stray
# backticks could pair up differently in a paragraph, and braces are attr_list's
# "{: onclick=...}" (the Material tags plugin turns attr_list on).
_SPECIAL = re.compile(r"[<&`{}]")
_PROSE_ENTITIES = {ord("`"): "&#96;", ord("{"): "&#123;", ord("}"): "&#125;"}
_BACKTICK_RUN = re.compile(r"`{3,}")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
# "&" that could start a character reference (&lt; &#106; &#x6A;).
_REFERENCE_START = re.compile(r"&(?=[#A-Za-z])")
# Schemes that run code or smuggle documents; browsers drop tabs and line breaks inside
# URLs, so those are tolerated between the letters.
_DANGEROUS_SCHEME = re.compile(
    r"(?<![A-Za-z0-9+.-])((?:j\s*a\s*v\s*a|v\s*b)\s*s\s*c\s*r\s*i\s*p\s*t|d\s*a\s*t\s*a)(\s*):",
    re.IGNORECASE,
)


def _neutralize_text(text: str) -> str:
    """Text outside fenced code: keep code spans and safe autolinks, neutralize the rest."""
    text = _DANGEROUS_SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{BREAK}:", text)
    return "\n".join(_neutralize_line(line) for line in text.split("\n"))


def _neutralize_line(line: str) -> str:
    """One line: its code spans stay as written (Markdown shows them as text), the rest is broken.

    Code spans are found per line with Python-Markdown's own pattern; every backtick
    outside them becomes a character reference, so Markdown cannot pair backticks any
    other way. A span holding ``|`` is treated as prose: a table could split it.
    """
    if not _SPECIAL.search(line):
        return line
    return _between(line, _CODE_SPAN, _break_prose, keep=lambda m: m.group(2) is not None and "|" not in m.group(3))


def _break_prose(text: str) -> str:
    return _between(text, _SAFE_AUTOLINK, _break_markup)


def _between(text: str, pattern: re.Pattern, transform, keep=lambda match: True) -> str:
    """``text`` with ``transform`` applied around the matches of ``pattern`` that ``keep`` keeps."""
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        if keep(match):
            parts += [transform(text[last : match.start()]), match.group(0)]
            last = match.end()
    parts.append(transform(text[last:]))
    return "".join(parts)


def _break_markup(text: str) -> str:
    text = _TAG_START.sub("<" + BREAK, text)
    text = _REFERENCE_START.sub("&" + BREAK, text)
    return text.replace("\\`", "`").translate(_PROSE_ENTITIES)


def _fence_close(lines: list[str], start: int, fence: str) -> int | None:
    """The index of the line that closes ``fence`` (same character, at least as long)."""
    closing = re.compile(r"^ *" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
    for index in range(start, len(lines)):
        if closing.match(lines[index]):
            return index
    return None


def _language(info: str) -> str:
    """The language of a fence's info string; its options are dropped (they set attributes)."""
    words = info.strip().lstrip("{").split()
    language = words[0].lstrip(".") if words else ""
    return language if _LANGUAGE.fullmatch(language) else ""


def neutralize_markdown(text: str, demote_headings: int = 0) -> SafeMarkdown:
    """A Markdown document whose formatting survives but which renders no HTML of its own.

    Outside code, a zero-width space goes after each ``<`` that could start a tag and
    each ``&`` that could start a character reference, and before the colon of
    ``javascript:``, ``vbscript:`` and ``data:``: the text looks the same, and the
    browser sees text and relative links. Stray backticks and braces become character
    references (braces would be attribute lists). Fenced code blocks are written out again in a
    form no Markdown parser can read two ways (a fence longer than any backtick run
    inside, every line indented like the fence, no options); any other fence marker is
    broken, so nothing else can open a code block whose content escaped neutralizing.
    Headings move down ``demote_headings`` levels, under the page's own title.
    """
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = text.split("\n")
    out: list[str] = []
    prose: list[str] = []  # lines since the last code block, neutralized together
    index = 0
    while index < len(lines):
        line = lines[index]
        opener = _FENCE_OPEN.match(line)
        if opener and not (opener.group(2)[0] == "`" and "`" in opener.group(3)):
            close = _fence_close(lines, index + 1, opener.group(2))
            if close is not None:
                indent = len(opener.group(1))
                content = [_dedent(body, indent) for body in lines[index + 1 : close]]
                out.append(_neutralize_text("\n".join(prose)))
                out.append(
                    code_block("\n".join(content), _language(opener.group(3)), indent=indent, keep_trailing=True)
                )
                prose = []
                index = close + 1
                continue
        # The substring tests only skip regexes that cannot match without them.
        if "```" in line or "~~~" in line:
            line = _FENCE_MARKER.sub(lambda m: m.group(1) + BREAK, line, count=1)
        if demote_headings:
            if "#" in line:
                line = _ATX_HEADING.sub(lambda m: m.group(1) + "#" * min(6, len(m.group(2)) + demote_headings), line)
            if "=" in line and _SETEXT_H1.match(line):
                line = line.replace("=", "-")
        prose.append(line)
        index += 1
    out.append(_neutralize_text("\n".join(prose)))
    return SafeMarkdown("\n".join(out).strip("\n"))


def _dedent(line: str, indent: int) -> str:
    stripped = line.lstrip(" ")
    return line[min(indent, len(line) - len(stripped)) :]


def without_title(text: str) -> str:
    """``text`` without a leading level-1 heading: the page shows its own title."""
    stripped = text.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    if re.match(r"^ {0,3}#(?:[ \t]|$)", first):
        return rest
    second, _, after = rest.partition("\n")
    if first.strip() and _SETEXT_H1.match(second):
        return after
    return text


def code_block(
    text: str, language: str = "", options: str = "", indent: int = 0, keep_trailing: bool = False
) -> SafeMarkdown:
    """``text`` verbatim in a fenced code block that no line of ``text`` can close.

    Every line is indented like the fence: pymdownx.superfences drops a fence (and its
    content becomes Markdown) when a line is indented less, or starts with ``>``.
    """
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not keep_trailing:
        text = text.rstrip("\n")
    longest = max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0) if "```" in text else 0
    fence = "`" * max(3, longest + 1)
    language = language if _LANGUAGE.fullmatch(language or "") else ""
    head = f"{fence}{language}{(' ' + options) if options else ''}"
    pad = " " * indent
    body = "\n".join(pad + line for line in text.split("\n")) if pad else text
    return SafeMarkdown(f"{pad}{head}\n{body}\n{pad}{fence}")
