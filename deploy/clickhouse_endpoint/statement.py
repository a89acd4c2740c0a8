"""Just enough of ClickHouse's lexer to route one HTTP request to the right engine call.

The engine is given SQL text (chdb's `query`) or an INSERT head plus raw data bytes (chdb's
`send_insert`), so the endpoint must find, without parsing the whole statement:

- the statement's first keyword (does it produce a result? is it a SET / USE that changes
  session state?);
- for `INSERT ... FORMAT <fmt>` and `INSERT ... VALUES`, where the inline data starts: the
  data may be binary (Native, RowBinary) and is never SQL, so it is handed to the engine's
  input-format parser and never scanned here;
- the trailing `FORMAT <fmt>` of a query, for the `X-ClickHouse-Format` / Content-Type headers;
- a second statement after `;`, which ClickHouse's HTTP interface refuses (one request, one
  statement — it also keeps a bound parameter from smuggling in a statement).

Strings, quoted identifiers, heredocs and comments are skipped as ClickHouse's lexer does, so
a `FORMAT` or `;` inside them is never mistaken for syntax.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from deploy.clickhouse_endpoint.errors import SYNTAX_ERROR, ClickHouseError

# Statements whose answer is a result set; ClickHouse sends X-ClickHouse-Format for these,
# and clickhouse-connect's command() relies on that header to tell "" from "no result".
# "(" is a parenthesised SELECT, "FROM" the FROM-first SELECT form.
RESULT_KINDS = frozenset({"SELECT", "WITH", "FROM", "(", "SHOW", "DESCRIBE", "DESC", "EXISTS", "EXPLAIN", "CHECK"})

_WORD, _NUMBER, _STRING, _QUOTED, _PUNCT = "word", "number", "string", "quoted", "punct"
_SPACE = frozenset(b" \t\n\r\f\v")
_WORD_START = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") | frozenset(range(0x80, 0x100))
_WORD_CHARS = _WORD_START | frozenset(b"0123456789$")
_NUMBER_CHARS = _WORD_CHARS | frozenset(b".")
# After these, a word is a table name, not a clause keyword: INSERT INTO format FORMAT Native.
_NAME_POSITIONS = frozenset({"INTO", "TABLE", "FUNCTION"})


@dataclass(frozen=True)
class Token:
    kind: str
    start: int
    end: int
    text: str  # upper-cased for words, the byte itself for punctuation, "" otherwise
    original: str = ""  # a word as written (format names are case-sensitive)


@dataclass(frozen=True)
class Statement:
    kind: str  # first keyword, upper-cased ("SELECT", "INSERT", "CREATE", ...)
    inline_format: str | None = None  # input format of data inlined after the INSERT head
    insert_head: str = ""  # "INSERT INTO t (a, b) [SETTINGS ...]", without FORMAT / VALUES
    data_start: int = 0  # offset in the request text where the inline data begins
    output_format: str | None = None  # the query's own FORMAT clause, if any
    assigned_settings: tuple[str, ...] = ()  # for SET: the setting names it assigns

    @property
    def is_data_insert(self) -> bool:
        return self.inline_format is not None

    @property
    def produces_result(self) -> bool:
        return self.kind in RESULT_KINDS


def parse_statement(text: bytes) -> Statement:
    """Classify the single statement in `text` (query parameter + body, as ClickHouse joins them)."""
    stream = _tokens(text)
    head = next(stream, None)
    if head is None:
        raise ClickHouseError.of(SYNTAX_ERROR, "Empty query")
    # A leading expression (`1 + 1`) is the engine's implicit SELECT.
    kind = head.text if head.kind == _WORD or head.text == "(" else "SELECT"
    if kind == "INSERT":
        insert = _inline_data_insert(text, stream)
        if insert is not None:
            return insert
        stream = _tokens(text, head.end)  # INSERT ... SELECT: an ordinary statement after all
    body = _single_statement(list(stream))
    assigned = _assigned_names(body) if kind == "SET" else ()
    return Statement(kind, output_format=_output_format(body), assigned_settings=assigned)


def _inline_data_insert(text: bytes, stream: Iterator[Token]) -> Statement | None:
    depth = 0
    previous: Token | None = None
    for token in stream:
        if token.kind == _PUNCT:
            depth += (token.text in "([{") - (token.text in ")]}")
        elif token.kind == _WORD and not _names_something(previous):
            if token.text in ("SELECT", "WITH"):
                return None
            if depth == 0 and token.text == "VALUES":
                # VALUES rows are data in the Values input format, exactly as ClickHouse reads them.
                return Statement("INSERT", "Values", _decode(text[: token.start]), token.end)
            if depth == 0 and token.text == "FORMAT":
                name = next(stream, None)
                if name is None or name.kind != _WORD:
                    raise ClickHouseError.of(SYNTAX_ERROR, "Expected a format name after FORMAT in INSERT")
                head = _decode(text[: token.start])
                return Statement("INSERT", name.original, head, _data_start(text, name.end))
        previous = token
    return None


def _data_start(text: bytes, pos: int) -> int:
    """ClickHouse's rule: data starts after the first newline if there is one, else after blanks."""
    while pos < len(text) and text[pos] in b" \t\f":
        pos += 1
    if pos < len(text) and text[pos] == ord("\r"):
        pos += 1
    if pos < len(text) and text[pos] == ord("\n"):
        pos += 1
    return pos


def _single_statement(tokens: list[Token]) -> list[Token]:
    depth = 0
    for index, token in enumerate(tokens):
        if token.kind != _PUNCT:
            continue
        depth += (token.text in "([{") - (token.text in ")]}")
        if token.text == ";" and depth <= 0:
            if any(t.text != ";" or t.kind != _PUNCT for t in tokens[index + 1 :]):
                raise ClickHouseError.of(SYNTAX_ERROR, "Multi-statements are not allowed")
            return tokens[:index]
    return tokens


def _output_format(tokens: list[Token]) -> str | None:
    """The last top-level `FORMAT <name>` that ends the query or precedes its SETTINGS."""
    found = None
    depth = 0
    for index, token in enumerate(tokens):
        if token.kind == _PUNCT:
            depth += (token.text in "([{") - (token.text in ")]}")
            continue
        if depth or token.text != "FORMAT" or index + 1 >= len(tokens):
            continue
        name = tokens[index + 1]
        after = tokens[index + 2] if index + 2 < len(tokens) else None
        if name.kind == _WORD and (after is None or after.text == "SETTINGS") and not _names_something(tokens[index - 1]):
            found = name
    return found.original if found is not None else None


def _assigned_names(tokens: list[Token]) -> tuple[str, ...]:
    """`SET a = 1, b = 'x'` → ("a", "b"); SET ROLE / SET DEFAULT ROLE assign no setting."""
    names: list[str] = []
    depth = 0
    expect_name = True
    for token in tokens:
        if token.kind == _PUNCT:
            depth += (token.text in "([{") - (token.text in ")]}")
            expect_name = expect_name or (depth == 0 and token.text == ",")
            continue
        if expect_name and depth == 0 and token.kind == _WORD:
            if not names and token.text in ("ROLE", "DEFAULT"):
                return ()
            names.append(token.original)
        expect_name = False
    return tuple(names)


def _names_something(previous: Token | None) -> bool:
    return previous is not None and (previous.text in _NAME_POSITIONS or previous.text == ".")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError as exc:
        raise ClickHouseError.of(SYNTAX_ERROR, "The query is not valid UTF-8") from exc


def _tokens(text: bytes, pos: int = 0) -> Iterator[Token]:
    """Tokens of `text` from `pos`, skipping blanks and comments; lazily, so a scan can stop
    before binary data that follows an INSERT head."""
    end = len(text)
    while pos < end:
        byte = text[pos]
        if byte in _SPACE:
            pos += 1
        elif text.startswith(b"--", pos) or (byte == ord("#") and text[pos + 1 : pos + 2] in (b" ", b"!")):
            newline = text.find(b"\n", pos)
            pos = end if newline < 0 else newline + 1
        elif text.startswith(b"/*", pos):
            pos = _block_comment_end(text, pos)
        elif byte in _WORD_START:
            start = pos
            while pos < end and text[pos] in _WORD_CHARS:
                pos += 1
            original = text[start:pos].decode(errors="replace")
            yield Token(_WORD, start, pos, original.upper(), original)
        elif byte in b"0123456789":
            start = pos
            while pos < end and text[pos] in _NUMBER_CHARS:
                pos += 1
            yield Token(_NUMBER, start, pos, "")
        elif byte in b"'\"`":
            start, pos = pos, _quoted_end(text, pos)
            yield Token(_STRING if byte == ord("'") else _QUOTED, start, pos, "")
        elif byte == ord("$") and (heredoc_end := _heredoc_end(text, pos)) is not None:
            yield Token(_STRING, pos, heredoc_end, "")
            pos = heredoc_end
        else:
            yield Token(_PUNCT, pos, pos + 1, chr(byte))
            pos += 1


def _quoted_end(text: bytes, pos: int) -> int:
    """End of a '...', "..." or `...` token: backslash escapes and doubled quotes, as ClickHouse."""
    quote = text[pos]
    pos += 1
    while pos < len(text):
        byte = text[pos]
        if byte == ord("\\"):
            pos += 2
        elif byte == quote:
            if text[pos + 1 : pos + 2] == bytes([quote]):
                pos += 2
            else:
                return pos + 1
        else:
            pos += 1
    raise ClickHouseError.of(SYNTAX_ERROR, "Unterminated quoted string or identifier")


def _block_comment_end(text: bytes, pos: int) -> int:
    depth = 0
    while pos < len(text):
        if text.startswith(b"/*", pos):
            depth, pos = depth + 1, pos + 2
        elif text.startswith(b"*/", pos):
            depth, pos = depth - 1, pos + 2
            if depth == 0:
                return pos
        else:
            pos += 1
    raise ClickHouseError.of(SYNTAX_ERROR, "Unterminated multiline comment")


def _heredoc_end(text: bytes, pos: int) -> int | None:
    """`$tag$ ... $tag$` (tag may be empty); None when the `$` does not open a heredoc."""
    tag_end = pos + 1
    while tag_end < len(text) and (text[tag_end] in _WORD_CHARS and text[tag_end] != ord("$")):
        tag_end += 1
    if tag_end >= len(text) or text[tag_end] != ord("$"):
        return None
    delimiter = text[pos : tag_end + 1]
    close = text.find(delimiter, tag_end + 1)
    if close < 0:
        raise ClickHouseError.of(SYNTAX_ERROR, "Unterminated heredoc")
    return close + len(delimiter)
