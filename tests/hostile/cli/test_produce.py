"""`kavro produce --input` with a hostile line among good ones: the bad line is rejected with an error
naming file:line, the good lines are delivered, the summary is printed and the exit is 1 (issue 14,
items 2 and 17: today a line nested 100k deep kills produce with no summary)."""
import re
import uuid

import pytest

DEPTH = 100_000


def order(i: int) -> str:
    return f'{{"order_id": {i}, "product": "p{i}", "price": {i}.5}}'


BAD_LINES = {
    "nested_100k_deep": '{"order_id": ' + "[" * DEPTH + "]" * DEPTH + ', "product": "p", "price": 1.5}',
    "document_nested_100k_deep": "[" * DEPTH + "]" * DEPTH,
    "duplicate_key": '{"order_id": 2, "product": "p2", "price": 2.5, "price": 99.5}',
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_produce_rejects_a_hostile_line_and_delivers_the_rest(kavro, tmp_path, bootstrap, registry, case):
    src = tmp_path / "orders.jsonl"
    src.write_text("\n".join([order(1), BAD_LINES[case], order(3)]) + "\n")
    topic = "hostile-" + uuid.uuid4().hex[:10]
    r = kavro("produce", "--bootstrap", bootstrap, "--registry", f"http://127.0.0.1:{registry.port}",
              "--topic", topic, "--partitions", "1", "--input", str(src), timeout=180)
    r.assert_clean_failure(f"{src}:2")
    if case == "duplicate_key":
        low = r.stderr.decode(errors="replace").lower()
        assert "price" in low and any(w in low for w in ("duplicate", "more than once", "twice", "repeated")), (
            f"the error does not say that 'price' is duplicated: {r.show()}")
    # "lines N: delivered D, failed F, rejected R, not sent U", where D + F + R + U = N.
    summary = re.search(rb"lines (\d+): delivered (\d+), failed (\d+), rejected (\d+), not sent (\d+)", r.stdout)
    assert summary, f"no summary printed: {r.show()}"
    assert [int(x) for x in summary.groups()] == [3, 2, 0, 1, 0], (
        f"the summary should count 3 lines: 2 delivered, 1 rejected: {r.show()}")
