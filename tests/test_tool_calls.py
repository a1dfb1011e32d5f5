"""Reading tool calls out of a model's answer (localai/tool_calls.py): each format, several calls, text
around them, botched calls, and the streamed form that holds back what may be a call."""

from __future__ import annotations

import json

import pytest

from localai.tool_calls import ToolCallStream, parse_tool_calls

NAMES = ("get_weather", "get_time")


def args(call) -> dict:
    return json.loads(call.arguments)


def test_hermes_qwen_one_call_without_text():
    parsed = parse_tool_calls('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
                              NAMES)
    assert [c.name for c in parsed.calls] == ["get_weather"] and args(parsed.calls[0]) == {"city": "Paris"}
    assert parsed.content is None and not parsed.botched
    assert parsed.calls[0].id.startswith("call_")
    openai = parsed.calls[0].as_openai()
    assert openai["type"] == "function" and openai["function"]["name"] == "get_weather"
    assert json.loads(openai["function"]["arguments"]) == {"city": "Paris"}


def test_hermes_several_calls_with_text_around_them_in_russian():
    text = ('Сейчас узнаю погоду.\n<tool_call>{"name": "get_weather", "arguments": {"city": "Москва"}}</tool_call>\n'
            '<tool_call>{"name": "get_time", "arguments": {"zone": "Europe/Moscow"}}</tool_call>\nМинутку.')
    parsed = parse_tool_calls(text, NAMES)
    assert [c.name for c in parsed.calls] == ["get_weather", "get_time"]
    assert args(parsed.calls[0]) == {"city": "Москва"}, "non-ASCII arguments come back as they were"
    assert "Москва" in parsed.calls[0].arguments
    assert parsed.content.startswith("Сейчас узнаю погоду.") and parsed.content.endswith("Минутку.")
    assert "tool_call" not in parsed.content
    assert len({c.id for c in parsed.calls}) == 2, "each call has its own id"


def test_hermes_call_left_unclosed_at_the_end_of_the_answer():
    parsed = parse_tool_calls('<tool_call>{"name": "get_time", "arguments": {}}', NAMES)
    assert [c.name for c in parsed.calls] == ["get_time"] and args(parsed.calls[0]) == {}


def test_arguments_written_as_a_json_string_are_read():
    parsed = parse_tool_calls('<tool_call>{"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"}</tool_call>',
                              NAMES)
    assert args(parsed.calls[0]) == {"city": "Oslo"}


def test_llama_json_with_and_without_python_tag():
    for text in ('{"name": "get_weather", "parameters": {"city": "Rome"}}',
                 '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Rome"}}',
                 '  {"type": "function", "name": "get_weather", "parameters": {"city": "Rome"}}\n'):
        parsed = parse_tool_calls(text, NAMES)
        assert [c.name for c in parsed.calls] == ["get_weather"], text
        assert args(parsed.calls[0]) == {"city": "Rome"} and parsed.content is None


def test_llama_several_calls_separated_by_semicolons():
    parsed = parse_tool_calls('{"name": "get_weather", "parameters": {"city": "Rome"}}; '
                              '{"name": "get_time", "parameters": {}}', NAMES)
    assert [c.name for c in parsed.calls] == ["get_weather", "get_time"]


def test_mistral_tool_calls_list_with_and_without_the_marker():
    for text in ('[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Lyon"}}, '
                 '{"name": "get_time", "arguments": {"zone": "CET"}}]',
                 '[{"name": "get_weather", "arguments": {"city": "Lyon"}}, '
                 '{"name": "get_time", "arguments": {"zone": "CET"}}]'):
        parsed = parse_tool_calls(text, NAMES)
        assert [c.name for c in parsed.calls] == ["get_weather", "get_time"], text
        assert args(parsed.calls[1]) == {"zone": "CET"}


@pytest.mark.parametrize("text", [
    '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"</tool_call>',  # invalid JSON
    '<tool_call>{"name": "launch_rockets", "arguments": {}}</tool_call>',  # a function not offered
    '<tool_call>{"name": "get_weather", "arguments": [1, 2]}</tool_call>',  # arguments not an object
    '<tool_call>{"arguments": {}}</tool_call>',  # no name
    '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Lyon"}',  # cut short
    '{"name": "get_weather", "parameters": {"city": "Rome"}} and then some words',
])
def test_a_botched_call_gives_no_calls_and_keeps_the_text(text):
    parsed = parse_tool_calls(text, NAMES)
    assert parsed.calls == () and parsed.botched
    assert parsed.content == text.strip()


def test_one_good_call_beside_a_botched_one_is_botched_as_a_whole():
    text = ('<tool_call>{"name": "get_time", "arguments": {}}</tool_call>'
            '<tool_call>{"name": "get_weather", "arguments": {oops}}</tool_call>')
    assert parse_tool_calls(text, NAMES).calls == ()


def test_plain_answers_are_plain():
    for text in ("The weather in Paris is fine.", "Погода в Париже хорошая.", "", '{"answer": 42}',
                 "Use a list like [1, 2]."):
        parsed = parse_tool_calls(text, NAMES)
        assert parsed.calls == () and not parsed.botched and parsed.outside == text


def streamed(pieces: list[str], names=NAMES) -> tuple[str, object, str]:
    stream = ToolCallStream(names)
    shown = "".join(stream.feed(p) for p in pieces)
    parsed, rest = stream.finish()
    return shown, parsed, rest


def test_stream_shows_plain_text_as_it_comes():
    stream = ToolCallStream(NAMES)
    assert stream.feed("Hello") == "Hello"
    assert stream.feed(", world") == ", world"
    assert stream.feed(" <") == " ", "a '<' may start a call: held back"
    assert stream.feed("b>bold") == "<b>bold", "not a call after all: shown"
    parsed, rest = stream.finish()
    assert parsed.calls == () and rest == ""


def test_stream_holds_back_a_call_split_across_pieces():
    pieces = ["Let me check. <tool", '_call>{"name": "get_weather", ', '"arguments": {"city": "Paris"}}',
              "</tool_call>"]
    shown, parsed, rest = streamed(pieces)
    assert shown == "Let me check. " and "tool_call" not in shown
    assert [c.name for c in parsed.calls] == ["get_weather"] and rest == ""


def test_stream_text_after_the_calls_comes_at_the_end():
    shown, parsed, rest = streamed(["Ок. ", '<tool_call>{"name": "get_time", "arguments": {}}</tool_call>', " Жду."])
    assert shown == "Ок. " and parsed.calls and rest.strip() == "Жду."


def test_stream_holds_back_a_json_answer_and_shows_it_when_it_is_not_a_call():
    shown, parsed, rest = streamed(['{"name": "get_weather", "parameters": ', '{"city": "Rome"}}'])
    assert shown == "" and [c.name for c in parsed.calls] == ["get_weather"] and rest == ""
    shown, parsed, rest = streamed(['{"answer"', ": 42}"])
    assert shown == "" and parsed.calls == () and rest == '{"answer": 42}'


def test_stream_of_a_botched_call_ends_with_its_text():
    shown, parsed, rest = streamed(["Hi ", '<tool_call>{"name": "nope", "arguments": {}}</tool_call>'])
    assert parsed.calls == () and parsed.botched
    assert shown + rest == 'Hi <tool_call>{"name": "nope", "arguments": {}}</tool_call>'
